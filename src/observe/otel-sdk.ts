/**
 * The OpenTelemetry Node SDK, loaded only when tracing is on (src/start/start-observability.ts imports
 * this file dynamically): a NodeTracerProvider with a batching OTLP/HTTP (JSON) exporter. The SDK
 * itself reads the OTEL_* variables it owns from the process environment (OTEL_EXPORTER_OTLP_HEADERS,
 * _TIMEOUT, _COMPRESSION, certificates, OTEL_BSP_*, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES);
 * the endpoint and the service name are passed from the server's own environment object.
 */
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Tracing } from './observer.js';

export interface OtelSdkOptions {
  /** Where spans go: the OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  serviceName: string;
  serviceVersion: string;
}

export interface RunningTracing extends Tracing {
  /** Flushes what is still batched, then stops the exporter. */
  shutdown(): Promise<void>;
}

export function startOtelSdk(options: OtelSdkOptions): RunningTracing {
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.serviceVersion }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: options.url }))],
  });
  // The global context manager (AsyncLocalStorage), so a span stays current across awaits. Not the
  // global propagator: ours is W3C trace context only — a client's `baggage` is never passed on to
  // the identity provider.
  provider.register({ propagator: null });
  return {
    tracer: provider.getTracer('logto-whoami-mcp', options.serviceVersion),
    propagator: new W3CTraceContextPropagator(),
    shutdown: () => provider.shutdown(),
  };
}
