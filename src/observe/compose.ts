import type { Metrics } from './metrics.js';
import { NOOP_OBSERVER, type Observer, type ToolCallEvent, type Tracing } from './observer.js';

/**
 * The one Observer the server hands its rooms: metrics (if METRICS_PORT), the audit line (unless
 * AUDIT_LOG=false), tracing (if OTEL_*). With none of them on it is {@link NOOP_OBSERVER}.
 */
export function composeObserver(parts: { metrics?: Metrics | undefined; audit?: ((e: ToolCallEvent) => void) | undefined; tracing?: Tracing | undefined }): Observer {
  const { metrics, audit, tracing } = parts;
  if (!metrics && !audit && !tracing) return NOOP_OBSERVER;
  const nothing = () => {};
  return {
    metrics: metrics !== undefined,
    tracing,
    request: metrics ? metrics.request : nothing,
    toolCall: metrics && audit ? (e) => (metrics.toolCall(e), audit(e)) : (metrics?.toolCall ?? audit ?? nothing),
    refused: metrics ? metrics.refused : nothing,
    upstream: metrics ? metrics.upstream : nothing,
    cache: metrics ? metrics.cache : nothing,
    forwarded: metrics ? metrics.forwarded : nothing,
    redisError: metrics ? metrics.redisError : nothing,
    integrityFailure: metrics ? metrics.integrityFailure : nothing,
  };
}
