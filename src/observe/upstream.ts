import { context, defaultTextMapSetter, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Observer, UpstreamOutcome, UpstreamTarget } from './observer.js';

/**
 * `inner` as seen by the observer: each call to the identity provider counted and timed (until the
 * answer's headers) under `target`, and — with tracing on — a client span, child of the current
 * one, whose W3C `traceparent` goes out with the request. With neither on, `inner` itself: no cost.
 */
export function observedFetch(target: UpstreamTarget, observer: Observer, inner: typeof fetch = fetch): typeof fetch {
  if (!observer.metrics && !observer.tracing) return inner;
  const tracing = observer.tracing;
  return async (input, init) => {
    let span: Span | undefined;
    let request = input;
    let options = init;
    if (tracing) {
      const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
      span = tracing.tracer.startSpan(`${method} ${target}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'logto_whoami.upstream.target': target } });
      const carrier: Record<string, string> = {};
      tracing.propagator.inject(trace.setSpan(context.active(), span), carrier, defaultTextMapSetter);
      if (input instanceof Request) {
        request = new Request(input);
        for (const [name, value] of Object.entries(carrier)) request.headers.set(name, value);
      } else {
        const headers = new Headers(init?.headers);
        for (const [name, value] of Object.entries(carrier)) headers.set(name, value);
        options = { ...init, headers };
      }
    }
    const started = performance.now();
    let outcome: UpstreamOutcome = 'error';
    try {
      const res = await inner(request, options);
      outcome = res.status < 400 ? 'ok' : res.status < 500 ? 'http_4xx' : 'http_5xx';
      span?.setAttribute('http.response.status_code', res.status);
      if (res.status >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
      return res;
    } catch (error) {
      outcome = failureOutcome(error);
      span?.setAttribute('error.type', outcome);
      span?.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      observer.upstream(target, outcome, (performance.now() - started) / 1000);
      span?.end();
    }
  };
}

function failureOutcome(error: unknown): UpstreamOutcome {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  if (error instanceof TypeError) return 'unreachable';
  return 'error';
}
