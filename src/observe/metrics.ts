import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  INTEGRITY_KINDS,
  REFUSAL_REASONS,
  type EraLabel,
  type IntegrityKind,
  type Observer,
  type Route,
  type TokenKind,
  type Transport,
  type UpstreamOutcome,
  type UpstreamTarget,
} from './observer.js';

/** Every metric this server defines starts with this (the process metrics keep prom-client's names). */
export const PREFIX = 'logto_whoami_';

const ROUTES: readonly Route[] = ['/mcp', '/sse', '/messages', '/.well-known', '/healthz', '/readyz', 'other'];
const METHODS = ['GET', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'other'] as const;
const ERAS: readonly EraLabel[] = ['2026-07-28', '2025', '2024-11-05', 'none'];
const TARGETS: readonly UpstreamTarget[] = ['discovery', 'jwks', 'userinfo', 'm2m_token', 'management_api'];
const UPSTREAM_OUTCOMES: readonly UpstreamOutcome[] = ['ok', 'http_4xx', 'http_5xx', 'timeout', 'unreachable', 'error'];
const TOKEN_KINDS: readonly TokenKind[] = ['jwt', 'opaque', 'none', 'unknown'];
const TOOL_OUTCOMES = ['ok', 'tool_error', 'error'] as const;

/** Seconds; from 0.5 ms (a warm tool call) to 10 s (past UPSTREAM_TIMEOUT_MS's default). */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  /** Open sessions this replica holds, by transport; read at scrape time. */
  openSessions: () => Record<Transport, number>;
  /** With REDIS_URL: this replica's id, exposed once as `logto_whoami_replica_info{replica}`. */
  replicaId?: string | undefined;
  /** Tool names that may become a label value (the registered tools); any other is counted as `other`. */
  tools: readonly string[];
}

/** The counters of ./observer.ts's events, in a registry of their own (one per server: tests run several in one process). */
export interface Metrics extends Omit<Observer, 'metrics' | 'tracing'> {
  readonly registry: Registry;
}

/**
 * prom-client metrics for one server. The hot path (a request, a tool call, a cache lookup) never
 * builds a label string: each label combination's child (`labels()`) is made once and kept in an
 * array or a map keyed by small integers. Label values come from closed lists only
 * (./observer.ts); the series count cannot grow with users, tokens or sessions.
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests on the public listener, by route, method, status and protocol era (none: not served by an MCP leg).',
    labelNames: ['route', 'method', 'status', 'era'] as const,
    registers,
  });
  const requestSeconds = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'Time to the response headers of HTTP requests on the public listener, by route and era.',
    labelNames: ['route', 'era'] as const,
    buckets: BUCKETS,
    registers,
  });
  const toolCalls = new Counter({
    name: `${PREFIX}tool_calls_total`,
    help: 'MCP tool calls, by tool, protocol era, transport and outcome (ok, tool_error, error).',
    labelNames: ['tool', 'era', 'transport', 'outcome'] as const,
    registers,
  });
  const toolSeconds = new Histogram({
    name: `${PREFIX}tool_call_duration_seconds`,
    help: 'Time a tool handler took, by tool and era.',
    labelNames: ['tool', 'era'] as const,
    buckets: BUCKETS,
    registers,
  });
  const refusals = new Counter({
    name: `${PREFIX}auth_refusals_total`,
    help: 'Requests the bearer gate refused, by reason and the kind of token they carried.',
    labelNames: ['reason', 'token_kind'] as const,
    registers,
  });
  const upstreamSeconds = new Histogram({
    name: `${PREFIX}upstream_request_duration_seconds`,
    help: 'Calls to the identity provider (discovery, jwks, userinfo, m2m_token, management_api) until the answer headers, by target and outcome; _count counts the calls.',
    labelNames: ['target', 'outcome'] as const,
    buckets: BUCKETS,
    registers,
  });
  const cacheLookups = new Counter({
    name: `${PREFIX}validation_cache_lookups_total`,
    help: 'Token validation cache lookups, by level (local LRU, shared Redis) and result (hit, miss).',
    labelNames: ['level', 'result'] as const,
    registers,
  });
  const forwards = new Counter({
    name: `${PREFIX}cluster_forwards_total`,
    help: "Requests this replica passed to the replica holding their session, by outcome (ok, refused: holder gone, failed).",
    labelNames: ['outcome'] as const,
    registers,
  });
  const redisErrors = new Counter({
    name: `${PREFIX}redis_errors_total`,
    help: 'Redis failures seen by this replica, by source (connection, shared_cache, directory).',
    labelNames: ['source'] as const,
    registers,
  });
  const integrityFailures = new Counter({
    name: `${PREFIX}cluster_integrity_failures_total`,
    help: 'Values read from Redis that this deployment did not write (forged, altered, moved or expired seals), and forwarded requests no replica signed, by kind; each was ignored.',
    labelNames: ['kind'] as const,
    registers,
  });
  new Gauge({
    name: `${PREFIX}open_sessions`,
    help: 'Sessions this replica holds, by transport (the 2026-07-28 era has none).',
    labelNames: ['transport'] as const,
    registers,
    collect() {
      const open = options.openSessions();
      this.set({ transport: 'streamable-http' }, open['streamable-http']);
      this.set({ transport: 'sse' }, open.sse);
    },
  });
  if (options.replicaId !== undefined) {
    new Gauge({ name: `${PREFIX}replica_info`, help: 'Always 1; names this replica (REPLICA_ID).', labelNames: ['replica'] as const, registers }).set({ replica: options.replicaId }, 1);
  }

  // Children made once. Series that should read 0 before anything happened (so rate() and ratios
  // work from the first scrape) are created up front.
  const refusalChild = REFUSAL_REASONS.map((reason) => TOKEN_KINDS.map((kind) => refusals.labels({ reason, token_kind: kind })));
  for (const row of refusalChild) for (const child of row) child.inc(0);
  const upstreamChild = TARGETS.map((target) => UPSTREAM_OUTCOMES.map((outcome) => upstreamSeconds.labels({ target, outcome })));
  const cacheChild = {
    local: [cacheLookups.labels({ level: 'local', result: 'miss' }), cacheLookups.labels({ level: 'local', result: 'hit' })],
    shared: [cacheLookups.labels({ level: 'shared', result: 'miss' }), cacheLookups.labels({ level: 'shared', result: 'hit' })],
  };
  for (const pair of Object.values(cacheChild)) for (const child of pair) child.inc(0);
  const forwardChild = { ok: forwards.labels({ outcome: 'ok' }), refused: forwards.labels({ outcome: 'refused' }), failed: forwards.labels({ outcome: 'failed' }) };
  const redisChild = {
    connection: redisErrors.labels({ source: 'connection' }),
    shared_cache: redisErrors.labels({ source: 'shared_cache' }),
    directory: redisErrors.labels({ source: 'directory' }),
  };
  const integrityChild = Object.fromEntries(INTEGRITY_KINDS.map((kind) => [kind, integrityFailures.labels({ kind })])) as Record<IntegrityKind, Counter.Internal>;
  if (options.replicaId !== undefined) {
    for (const child of Object.values(forwardChild)) child.inc(0);
    for (const child of Object.values(redisChild)) child.inc(0);
    for (const child of Object.values(integrityChild)) child.inc(0);
  }

  // Requests: keyed by a number built from the label positions (status < 1000).
  const requestChild = new Map<number, Counter.Internal>();
  const requestSecondsChild = ROUTES.map((route) => ERAS.map((era) => requestSeconds.labels({ route, era })));
  const tools = new Map<string, number>(options.tools.map((name, i) => [name, i]));
  const toolNames = [...options.tools, 'other'];
  const toolCallChild = new Map<number, Counter.Internal>();
  const toolSecondsChild = toolNames.map((tool) => ERAS.map((era) => toolSeconds.labels({ tool, era })));

  return {
    registry,
    request(route, method, status, era, seconds) {
      const r = ROUTES.indexOf(route);
      const m = methodIndex(method);
      const e = ERAS.indexOf(era);
      const key = ((status * 8 + r) * 8 + m) * 4 + e;
      let child = requestChild.get(key);
      if (!child) requestChild.set(key, (child = requests.labels({ route, method: METHODS[m]!, status: String(status), era })));
      child.inc();
      requestSecondsChild[r]![e]!.observe(seconds);
    },
    toolCall(event) {
      const t = tools.get(event.tool) ?? toolNames.length - 1;
      const e = ERAS.indexOf(event.era);
      const x = event.transport === 'sse' ? 1 : 0;
      const out = TOOL_OUTCOMES.indexOf(event.outcome);
      const key = ((t * 4 + e) * 2 + x) * 4 + out;
      let child = toolCallChild.get(key);
      if (!child) toolCallChild.set(key, (child = toolCalls.labels({ tool: toolNames[t]!, era: event.era, transport: event.transport, outcome: event.outcome })));
      child.inc();
      toolSecondsChild[t]![e]!.observe(event.seconds);
    },
    refused(reason, kind) {
      refusalChild[REFUSAL_REASONS.indexOf(reason)]![TOKEN_KINDS.indexOf(kind)]!.inc();
    },
    upstream(target, outcome, seconds) {
      upstreamChild[TARGETS.indexOf(target)]![UPSTREAM_OUTCOMES.indexOf(outcome)]!.observe(seconds);
    },
    cache(level, hit) {
      cacheChild[level][hit ? 1 : 0]!.inc();
    },
    forwarded(outcome) {
      forwardChild[outcome].inc();
    },
    integrityFailure(kind) {
      integrityChild[kind].inc();
    },
    redisError(source) {
      redisChild[source].inc();
    },
  };
}

function methodIndex(method: string): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'POST':
      return 1;
    case 'DELETE':
      return 2;
    case 'OPTIONS':
      return 3;
    case 'HEAD':
      return 4;
    default:
      return 5;
  }
}
