import type { TextMapPropagator, Tracer } from '@opentelemetry/api';

/**
 * What the rooms of the server tell the outside about their work: one small vocabulary of events
 * (this file), one implementation that turns them into Prometheus metrics and audit lines
 * (./metrics.ts, ./audit.ts, composed in ./compose.ts) and, when OTEL_* switches tracing on, the
 * tracer the HTTP layer and the upstream fetches use. Rooms import only this file (types and the
 * no-op); nothing here imports a room.
 *
 * Every label value is from a closed list below: no user, token, session id or any other value a
 * client chooses can become a label.
 */

/** The protocol era that served a request (docs/eras.md); `none`: no MCP leg did (refused at the gate, metadata, health). */
export type Era = '2026-07-28' | '2025' | '2024-11-05';
export type EraLabel = Era | 'none';
/** The MCP transport: Streamable HTTP (`/mcp`: 2026-07-28 and 2025) or HTTP+SSE (`/sse` + `/messages`: 2024-11-05). */
export type Transport = 'streamable-http' | 'sse';
/** The routes of the public listener; anything else is `other`. */
export type Route = '/mcp' | '/sse' | '/messages' | '/.well-known' | '/healthz' | '/readyz' | 'other';
export type UpstreamTarget = 'discovery' | 'jwks' | 'userinfo' | 'm2m_token' | 'management_api';
/** `ok` 2xx/3xx; `http_4xx` / `http_5xx` the status class; `timeout`; `unreachable` (connection failed); `error` anything else. */
export type UpstreamOutcome = 'ok' | 'http_4xx' | 'http_5xx' | 'timeout' | 'unreachable' | 'error';
/** `ok`; `tool_error` (a result with `isError: true`); `error` (the handler threw). */
export type ToolOutcome = 'ok' | 'tool_error' | 'error';
/** The kind of token a refused request carried (`unknown`: refused before the token was read). */
export type TokenKind = 'jwt' | 'opaque' | 'none' | 'unknown';
export type CacheLevel = 'local' | 'shared';
export type ForwardOutcome = 'ok' | 'refused' | 'failed';
export type RedisErrorSource = 'connection' | 'shared_cache' | 'directory';
/** What failed an integrity check in a cluster: a sealed Redis value of that kind, or a forwarded request no replica signed. */
export const INTEGRITY_KINDS = ['validation', 'session', 'replica', 'count', 'forward'] as const;
export type IntegrityKind = (typeof INTEGRITY_KINDS)[number];

/** Why the bearer gate refused a request (src/auth/refusal.ts maps errors to these). */
export const REFUSAL_REASONS = [
  'no_token',
  'malformed_request',
  'invalid_token',
  'expired',
  'bad_signature',
  'wrong_audience',
  'wrong_issuer',
  'claims',
  'unknown_key',
  'alg_not_allowed',
  'rejected_by_idp',
  'insufficient_scope',
  'idp_unavailable',
  'not_ready',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** One tool call, as the tool wrapper (src/mcp/observed-tool.ts) reports it. */
export interface ToolCallEvent {
  tool: string;
  era: Era;
  transport: Transport;
  outcome: ToolOutcome;
  seconds: number;
  /** Who called (for the audit line only; never a metric label). */
  issuer: string;
  subject: string;
  clientId: string;
}

/** Tracing when it is on (OTEL_*): the SDK's tracer and the W3C trace-context propagator. */
export interface Tracing {
  readonly tracer: Tracer;
  readonly propagator: TextMapPropagator;
}

export interface Observer {
  /** True when Prometheus metrics are collected (METRICS_PORT): per-request work is skipped otherwise. */
  readonly metrics: boolean;
  /** Set when tracing is on; undefined costs nothing. */
  readonly tracing: Tracing | undefined;
  request(route: Route, method: string, status: number, era: EraLabel, seconds: number): void;
  toolCall(event: ToolCallEvent): void;
  refused(reason: RefusalReason, kind: TokenKind): void;
  upstream(target: UpstreamTarget, outcome: UpstreamOutcome, seconds: number): void;
  cache(level: CacheLevel, hit: boolean): void;
  forwarded(outcome: ForwardOutcome): void;
  redisError(source: RedisErrorSource): void;
  integrityFailure(kind: IntegrityKind): void;
}

const nothing = () => {};

/** Nobody listens: every event is dropped. */
export const NOOP_OBSERVER: Observer = Object.freeze({
  metrics: false,
  tracing: undefined,
  request: nothing,
  toolCall: nothing,
  refused: nothing,
  upstream: nothing,
  cache: nothing,
  forwarded: nothing,
  redisError: nothing,
  integrityFailure: nothing,
});
