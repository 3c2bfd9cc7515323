import type { McpServer } from '@modelcontextprotocol/server';
import { createApp } from '../app.js';
import { announcedUrls, loadConfig, type Config } from '../config.js';
import { createLogger } from '../log.js';
import { Scrubber } from '../secret.js';
import { replicaIdOf, startClusterFor } from './start-cluster.js';
import { profileLoaderFromConfig } from '../logto/profile-from-config.js';
import { createHttpServer, type HttpTimeouts } from './http-server.js';
import { printBanner } from './banner.js';
import { assertDevIdpAllowed, startDevIdpFor, type DevM2m } from './start-dev-idp.js';
import { startDiscoveryLoop, type DiscoveryLoop } from './discovery-loop.js';
import { loadIssuerState, type IssuerState } from './issuer-state.js';
import { startObservability } from './start-observability.js';
import { SessionRegistry } from '../transports/sessions.js';

export interface RunningServer {
  /** PUBLIC_URL (resolved). */
  url: string;
  mcpUrl: string;
  sseUrl: string;
  /**
   * Each endpoint's resource identifier: /mcp → `mcp` (the primary one; the root metadata document
   * names it), /sse and /messages → `sse` (equal with MCP_RESOURCE). Config's announcedUrls is the one
   * source: its `audiences` are every distinct one.
   */
  resources: { readonly mcp: string; readonly sse: string };
  issuer: string;
  port: number;
  config: Config;
  /** Resolves once OIDC discovery has succeeded (it retries in the background on transient errors). */
  ready: Promise<void>;
  sessions: SessionRegistry;
  /** `http://METRICS_HOST:port/metrics` when METRICS_PORT is set, else undefined. */
  metricsUrl: string | undefined;
  /** Stops accepting, closes sessions (SSE streams get a final event), stops the dev IdP. Bounded. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Log destination (tests capture logs to check that tokens never appear). */
  logDestination?: NodeJS.WritableStream;
  /** Print the human banner to stderr. Default: when LOG_LEVEL is not silent. */
  banner?: boolean;
  /**
   * Every outgoing request: issuer discovery, the Management API, and the embedded dev IdP's fetches of
   * client ID metadata documents (tests pass one that trusts their test certificate and refuses any
   * non-loopback host). Default: global fetch.
   */
  fetch?: typeof fetch;
  /**
   * Slow-client cut-offs, ms: all headers within `headersMs` (default 10 s), the whole request
   * (headers + body) within `requestMs` (default 30 s). Streams opened by a GET are not affected.
   */
  httpTimeouts?: HttpTimeouts;
  /** Test seam: adds tools to every 2026-07-28 MCP server instance (the conformance suite's probes). */
  extendServer2026_07_28?: (server: McpServer) => void;
}

/**
 * Starts the MCP server from an environment object: validate configuration, listen, start the
 * embedded dev IdP when LOGTO_ENDPOINT is unset, discover the issuer, serve. Throws
 * ConfigError / DiscoveryConfigError for problems a retry cannot fix; transient discovery
 * failures keep /readyz red and retry with backoff.
 */
export async function startServer(env: Record<string, string | undefined>, options: StartOptions = {}): Promise<RunningServer> {
  const config = loadConfig(env);
  // The tenant's M2M secret and every M2M access token are scrubbed from every log line and refused in whoami's profile.
  const scrubber = new Scrubber();
  if (config.managementApi) scrubber.addSecret(config.managementApi.appSecret);
  const logger = createLogger(config.logLevel, options.logDestination, scrubber);
  assertDevIdpAllowed(config, env['NODE_ENV']);

  // Listen first: with PORT=0 the public URL (hence the resource) depends on the bound port.
  const http = createHttpServer(options.httpTimeouts);
  const port = await http.listen(config.port, config.host);
  // The one definition doctor/setup use too, so the API identifier they name is the one announced here.
  const urls = announcedUrls(config, port);
  const { publicUrl, resources, audiences } = urls;

  const closers: Array<() => Promise<void>> = [];
  // Metrics, audit line, tracing: first, so every room built below reports to it.
  let sessions: SessionRegistry | undefined;
  let observability;
  try {
    observability = await startObservability(config, logger, {
      openSessions: () => ({ 'streamable-http': sessions?.list('streamable').length ?? 0, sse: sessions?.list('sse').length ?? 0 }),
      replicaId: config.redisUrl ? replicaIdOf(config) : undefined,
    });
  } catch (error) {
    await http.close(0);
    throw error;
  }
  const { observer } = observability;
  closers.push(() => observability.close());
  let issuer = config.issuer;
  let dev: (DevM2m & { endpoint: string }) | undefined;
  if (!issuer) {
    try {
      const idp = await startDevIdpFor(config, audiences, logger, options.fetch);
      closers.push(() => idp.close());
      issuer = idp.issuer;
      dev = { ...idp.m2m, endpoint: idp.origin };
    } catch (error) {
      await http.close(0);
      await Promise.allSettled(closers.map((c) => c()));
      throw error;
    }
  }

  const cluster = await startClusterFor(config, port, logger, observer);
  if (cluster) closers.unshift(() => cluster.close());
  sessions = new SessionRegistry({
    idleTimeoutMs: config.sessionIdleTimeoutSeconds * 1000,
    maxSessions: config.maxSessions,
    maxPerOwner: config.maxSessionsPerSubject,
    ...(cluster ? { directory: cluster.directory } : {}),
  });
  cluster?.attach(sessions);
  let state: IssuerState | undefined;
  const app = createApp({
    publicUrl,
    resources,
    listenHost: config.host,
    scopesSupported: config.scopesSupported,
    requiredScopes: config.requiredScopes,
    allowedOrigins: config.allowedOrigins,
    stateless: config.stateless,
    maxBodyBytes: config.maxBodyBytes,
    sessions,
    logger,
    observer,
    ...(cluster ? { cluster } : {}),
    state: () => state,
    publicUrlDefaulted: !config.publicUrl,
    extendServer2026_07_28: options.extendServer2026_07_28,
    // whoami's Logto profile (Management API), the same for every era.
    mcpDeps: { observer, profile: profileLoaderFromConfig({ config, endpoint: dev?.endpoint ?? config.logtoEndpoint ?? '', devM2m: dev, logger, scrubber, fetch: options.fetch, observer }) },
  });
  http.setHandler((req, bindings) => app.fetch(req, bindings));

  const expectedIssuer = issuer;
  let discovery: DiscoveryLoop;
  try {
    discovery = await startDiscoveryLoop(
      async () => {
        state = await loadIssuerState(expectedIssuer, audiences, config, options.fetch, cluster?.sharedCache, observer);
      },
      expectedIssuer,
      logger,
    );
  } catch (error) {
    await http.close(0);
    await Promise.allSettled(closers.map((c) => c()));
    throw error;
  }

  const running: RunningServer = {
    url: publicUrl,
    mcpUrl: `${publicUrl}/mcp`,
    sseUrl: `${publicUrl}/sse`,
    resources,
    issuer: expectedIssuer,
    port,
    config,
    ready: discovery.ready,
    sessions,
    metricsUrl: observability.metricsUrl,
    async close() {
      discovery.stop();
      // Leave the session directory first: from now on other replicas answer 404 for our sessions.
      await cluster?.directory.close();
      http.drain();
      const closing = http.close(5_000);
      for (const s of sessions.list('sse')) if (s.kind === 'sse') void s.transport.close('server shutting down');
      await sessions.closeAll();
      await closing;
      await Promise.allSettled(closers.map((c) => c()));
    },
  };
  if (options.banner ?? config.logLevel !== 'silent') printBanner({ ...running, announced: urls, devM2m: dev }, logger);
  return running;
}
