import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { SERVER_INFO } from '../mcp/info.js';
import { createAudit } from '../observe/audit.js';
import { composeObserver } from '../observe/compose.js';
import type { Observer, Transport } from '../observe/observer.js';
import { whoamiTool } from '../mcp/tools/whoami.js';

export interface Observability {
  readonly observer: Observer;
  /** The metrics listener's URL (METRICS_PORT), else undefined. */
  readonly metricsUrl: string | undefined;
  /** Stops the metrics listener; flushes and stops the trace exporter. */
  close(): Promise<void>;
}

/**
 * What config asks for: Prometheus metrics on their own listener (METRICS_PORT), the audit line
 * (AUDIT_LOG), OpenTelemetry tracing (OTEL_*). prom-client and the OpenTelemetry SDK are loaded
 * only when switched on.
 */
export async function startObservability(
  config: Config,
  logger: Logger,
  sources: { openSessions: () => Record<Transport, number>; replicaId: string | undefined },
): Promise<Observability> {
  const closers: Array<() => Promise<void>> = [];
  let metrics;
  let metricsUrl: string | undefined;
  if (config.metrics) {
    const [{ createMetrics }, { listenMetrics }] = await Promise.all([import('../observe/metrics.js'), import('./metrics-listener.js')]);
    metrics = createMetrics({ openSessions: sources.openSessions, replicaId: sources.replicaId, tools: [whoamiTool.name] });
    const listener = await listenMetrics(metrics.registry, config.metrics.port, config.metrics.host);
    closers.push(() => listener.close());
    metricsUrl = listener.url;
    logger.info({ url: metricsUrl }, 'metrics: Prometheus endpoint listening');
  }
  let tracing;
  if (config.tracing) {
    const { startOtelSdk } = await import('../observe/otel-sdk.js');
    const running = startOtelSdk({ url: config.tracing.url, serviceName: config.tracing.serviceName, serviceVersion: SERVER_INFO.version });
    closers.push(() => running.shutdown());
    tracing = running;
    logger.info({ url: config.tracing.url, service: config.tracing.serviceName }, 'tracing: OpenTelemetry spans exported over OTLP/HTTP (JSON)');
  }
  const observer = composeObserver({ metrics, audit: config.auditLog ? createAudit(logger) : undefined, tracing });
  return {
    observer,
    metricsUrl,
    close: async () => {
      await Promise.allSettled(closers.map((c) => c()));
    },
  };
}
