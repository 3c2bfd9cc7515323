import * as z from 'zod';
import { Secret } from './secret.js';

/** The shortest CLUSTER_SECRET accepted, in bytes (UTF-8): 256 bits if it is random text. */
export const MIN_CLUSTER_SECRET_BYTES = 32;

/**
 * The validated, frozen configuration. Built from an environment object by {@link loadConfig};
 * `src/index.ts` is the only place that passes `process.env`.
 */
export interface Config {
  /** Logto base URL (the console's "Logto endpoint"), or undefined → embedded dev IdP. */
  readonly logtoEndpoint: string | undefined;
  /** `${logtoEndpoint}/oidc`; for the dev IdP it is only known once it listens. */
  readonly issuer: string | undefined;
  readonly host: string;
  /** 0 means "any free port"; the real one is known after listen. */
  readonly port: number;
  /** Externally visible base URL, no trailing slash. Undefined → `http://localhost:<port>` after listen. */
  readonly publicUrl: string | undefined;
  /**
   * MCP_RESOURCE, canonical ({@link canonicalResource}): one resource identifier for every endpoint
   * (single-resource mode). Undefined → each endpoint is its own resource, named by its URL
   * ({@link announcedUrls}).
   */
  readonly resource: string | undefined;
  readonly tokenValidation: 'auto' | 'jwt' | 'userinfo';
  readonly requiredScopes: readonly string[];
  /** Scopes advertised in protected-resource metadata and in 401 challenges. */
  readonly scopesSupported: readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly stateless: boolean;
  /** Seconds an opaque token's userinfo result is cached. */
  readonly userinfoCacheTtl: number;
  readonly cacheMaxEntries: number;
  /** Timeout of every call to the identity provider, in ms. */
  readonly upstreamTimeoutMs: number;
  /** Max concurrent calls to the identity provider's userinfo endpoint. */
  readonly upstreamConcurrency: number;
  /** Length bounds (characters) of an opaque token; others are refused before any upstream call. */
  readonly opaqueTokenLength: { readonly min: number; readonly max: number };
  readonly sessionIdleTimeoutSeconds: number;
  readonly maxSessions: number;
  readonly maxSessionsPerSubject: number;
  readonly maxBodyBytes: number;
  /** Port of the embedded dev IdP (only without LOGTO_ENDPOINT). */
  readonly devIdpPort: number;
  /** Redis shared by the replicas (src/cluster/); undefined → one process, nothing shared. May carry a password: never log it. */
  readonly redisUrl: string | undefined;
  /** This replica's name in the session directory and the `X-Replica` header; undefined → hostname-pid. */
  readonly replicaId: string | undefined;
  /** How the other replicas reach this one; undefined → http://HOST:PORT. */
  readonly replicaUrl: string | undefined;
  /** CLUSTER_SECRET: keys the MACs on what replicas share and forward (src/cluster/seal.ts); set whenever redisUrl is. */
  readonly clusterSecret: Secret | undefined;
  /**
   * Logto Management API access (a machine-to-machine app with the `all` permission), or undefined
   * when LOGTO_M2M_APP_ID / LOGTO_M2M_APP_SECRET are unset. The dev IdP brings its own M2M app.
   */
  readonly managementApi: ManagementApiConfig | undefined;
  /** What whoami adds under `logto` (from the Management API); empty → no enrichment. */
  readonly profileFields: readonly ProfileField[];
  /** Seconds a subject's Management API profile is cached. */
  readonly profileCacheTtl: number;
  /**
   * CLIENT_REDIRECT_URIS: the redirect URIs the user's MCP clients use, for the banner, --setup and
   * --doctor; empty → MCP Inspector's defaults (src/shared/client-redirect-uris.ts).
   */
  readonly clientRedirectUris: readonly string[];
  // Observability (docs/observability.md).
  /** Prometheus `GET /metrics` on a listener of its own (METRICS_PORT / METRICS_HOST); undefined → no listener. */
  readonly metrics: { readonly port: number; readonly host: string } | undefined;
  /** One info line per tool call (AUDIT_LOG, default on). */
  readonly auditLog: boolean;
  /** OpenTelemetry tracing, switched on by the standard OTEL_* variables; undefined → off (nothing loaded). */
  readonly tracing: { readonly url: string; readonly serviceName: string } | undefined;
}

export interface ManagementApiConfig {
  readonly appId: string;
  /** Redacts itself in logs and JSON; `.reveal()` only for the token request. */
  readonly appSecret: Secret;
  /** The Management API resource indicator (the `resource` of the client-credentials request). */
  readonly resource: string;
}

/** What whoami may show from Logto's Management API, like the fields of a Logto Custom JWT script. */
export const PROFILE_FIELDS = ['username', 'name', 'avatar', 'email', 'phone', 'custom_data', 'roles', 'organizations'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];
export const DEFAULT_PROFILE_FIELDS: readonly ProfileField[] = ['username', 'name', 'avatar', 'roles', 'organizations'];

/**
 * The Management API indicator Logto expects as `resource`: `https://<tenant-id>.logto.app/api` on
 * Logto Cloud (recognised from a `<tenant-id>.logto.app` endpoint), `https://default.logto.app/api`
 * for Logto OSS. A Cloud tenant behind a custom domain must set LOGTO_MANAGEMENT_API_RESOURCE.
 */
export function defaultManagementApiResource(logtoEndpoint: string | undefined): string {
  const host = logtoEndpoint ? new URL(logtoEndpoint).hostname : '';
  const tenant = /^([a-z0-9]+)\.logto\.app$/.exec(host)?.[1];
  return `https://${tenant ?? 'default'}.logto.app/api`;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const words = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(/\s+/).filter(Boolean));

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** An empty variable (`FOO=` in a .env) counts as unset. */
const emptyIsUnset = <T extends z.ZodType>(inner: T) => z.preprocess((v) => (v === '' ? undefined : v), inner);

const int = (def: number, min: number, max: number) => emptyIsUnset(z.coerce.number().int().min(min).max(max).default(def));

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .refine((v) => {
    const u = new URL(v);
    return !u.search && !u.hash && !u.username && !u.password;
  }, 'must not contain a query, fragment or credentials')
  .transform((v) => v.replace(/\/+$/, ''));

const optionalUrl = emptyIsUnset(httpUrl.optional());

const schema = z.object({
  LOGTO_ENDPOINT: optionalUrl,
  PORT: int(3001, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: optionalUrl,
  MCP_RESOURCE: emptyIsUnset(z.url({ protocol: /^https?$/ }).optional()),
  TOKEN_VALIDATION: z.enum(['auto', 'jwt', 'userinfo']).default('auto'),
  REQUIRED_SCOPES: words,
  SCOPES_SUPPORTED: words,
  ALLOWED_ORIGINS: words.pipe(
    z.array(
      z.string().refine((o) => URL.canParse(o) && new URL(o).origin === o, 'each entry must be an origin like https://app.example.com'),
    ),
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MCP_STATELESS: bool,
  USERINFO_CACHE_TTL: int(60, 0, 3600),
  CACHE_MAX_ENTRIES: int(10_000, 1, 10_000_000),
  UPSTREAM_TIMEOUT_MS: int(5000, 100, 60_000),
  UPSTREAM_CONCURRENCY: int(16, 1, 1024),
  // Logto / oidc-provider opaque tokens are 43 characters (256 bits); 22 is oidc-provider's minimum (128 bits).
  OPAQUE_TOKEN_MIN_LENGTH: int(22, 1, 8192),
  OPAQUE_TOKEN_MAX_LENGTH: int(128, 1, 8192),
  SESSION_IDLE_TIMEOUT: int(1800, 1, 86_400),
  MAX_SESSIONS: int(20_000, 1, 1_000_000),
  MAX_SESSIONS_PER_SUBJECT: int(100, 1, 1_000_000),
  MAX_BODY_BYTES: int(1_048_576, 1024, 64 * 1_048_576),
  DEV_IDP_PORT: int(3002, 0, 65535),
  REDIS_URL: emptyIsUnset(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional()),
  REPLICA_ID: emptyIsUnset(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (at most 64)').optional()),
  REPLICA_URL: optionalUrl,
  CLUSTER_SECRET: emptyIsUnset(z.string().optional()),
  LOGTO_M2M_APP_ID: z.string().optional(),
  LOGTO_M2M_APP_SECRET: z.string().optional(),
  LOGTO_MANAGEMENT_API_RESOURCE: emptyIsUnset(z.url({ protocol: /^https?$/ }).optional()),
  WHOAMI_PROFILE_FIELDS: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(z.enum([...PROFILE_FIELDS, 'none'], { error: `each entry must be one of ${PROFILE_FIELDS.join(', ')} (or none)` }))),
  WHOAMI_PROFILE_CACHE_TTL: int(60, 0, 3600),
  // The redirect URIs of the user's own clients (Inspector on another port, …).
  CLIENT_REDIRECT_URIS: words.pipe(z.array(z.string().refine(isRedirectUri, 'each entry must be an absolute URL like http://localhost:6274/oauth/callback'))),
  // Observability (docs/observability.md).
  METRICS_PORT: emptyIsUnset(z.coerce.number().int().min(0).max(65535).optional()),
  METRICS_HOST: emptyIsUnset(z.string().min(1).default('127.0.0.1')),
  AUDIT_LOG: z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => !(v === 'false' || v === '0' || v === 'no')),
  OTEL_SDK_DISABLED: bool,
  OTEL_TRACES_EXPORTER: emptyIsUnset(z.string().optional()),
  OTEL_EXPORTER_OTLP_ENDPOINT: emptyIsUnset(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: emptyIsUnset(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
  OTEL_EXPORTER_OTLP_PROTOCOL: emptyIsUnset(z.string().optional()),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: emptyIsUnset(z.string().optional()),
  OTEL_SERVICE_NAME: emptyIsUnset(z.string().optional()),
});

const DEFAULT_SCOPES = ['openid', 'profile', 'email'];

/**
 * Validates the environment and reports every problem at once ({@link ConfigError}).
 * Unknown variables are ignored; empty strings count as unset.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];

  const resource = e.MCP_RESOURCE;
  const publicUrl = e.PUBLIC_URL;
  if (resource) {
    const r = new URL(resource);
    if (r.hash) problems.push('MCP_RESOURCE: must not contain a fragment (RFC 8707 §2)');
    // Single-resource mode: the one identifier must cover both endpoints (a prefix of each URL).
    const base = publicUrl ?? `http://localhost:${e.PORT}`;
    if (!publicUrl && e.PORT === 0) {
      problems.push('MCP_RESOURCE: with PORT=0 set PUBLIC_URL too (the resource must match the URL clients use)');
    } else if (!coversEndpoint(r, new URL(`${base}/mcp`)) || !coversEndpoint(r, new URL(`${base}/sse`))) {
      problems.push(`MCP_RESOURCE: must be a prefix of both ${base}/mcp and ${base}/sse (got ${resource})`);
    }
  }
  // Never the secret's value in a message: only whether it is set.
  const m2mId = e.LOGTO_M2M_APP_ID?.trim() || undefined;
  const m2mSecret = e.LOGTO_M2M_APP_SECRET || undefined;
  if (Boolean(m2mId) !== Boolean(m2mSecret)) problems.push('LOGTO_M2M_APP_ID and LOGTO_M2M_APP_SECRET: set both or neither');
  if (e.WHOAMI_PROFILE_FIELDS.includes('none') && e.WHOAMI_PROFILE_FIELDS.length > 1) problems.push('WHOAMI_PROFILE_FIELDS: "none" stands alone');
  if (e.OPAQUE_TOKEN_MIN_LENGTH > e.OPAQUE_TOKEN_MAX_LENGTH) problems.push('OPAQUE_TOKEN_MIN_LENGTH: must not exceed OPAQUE_TOKEN_MAX_LENGTH');
  // Replicas believe nothing in Redis without it (src/cluster/seal.ts). Never its value in a message.
  const clusterSecret = e.REDIS_URL ? e.CLUSTER_SECRET : undefined;
  if (e.REDIS_URL && clusterSecret === undefined) {
    problems.push(`CLUSTER_SECRET: required with REDIS_URL — the same random value on every replica, at least ${MIN_CLUSTER_SECRET_BYTES} bytes (e.g. openssl rand -base64 48)`);
  } else if (clusterSecret !== undefined && Buffer.byteLength(clusterSecret) < MIN_CLUSTER_SECRET_BYTES) {
    problems.push(`CLUSTER_SECRET: too short — at least ${MIN_CLUSTER_SECRET_BYTES} bytes (e.g. openssl rand -base64 48)`);
  }
  // Observability: tracing is off unless an OTLP endpoint (or OTEL_TRACES_EXPORTER=otlp) asks for it.
  const tracesExporter = e.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  const tracesProtocol = e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL;
  const tracingOn =
    !e.OTEL_SDK_DISABLED && tracesExporter !== 'none' && (tracesExporter === 'otlp' || e.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined);
  if (tracesExporter !== undefined && tracesExporter !== 'otlp' && tracesExporter !== 'none') problems.push(`OTEL_TRACES_EXPORTER: only otlp (or none) is supported (got ${tracesExporter})`);
  if (tracingOn && tracesProtocol !== undefined && tracesProtocol !== 'http/json') problems.push(`OTEL_EXPORTER_OTLP_PROTOCOL: only http/json is supported (got ${tracesProtocol})`);
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) problems.push('METRICS_PORT: must differ from PORT (metrics never share the public listener)');
  if (problems.length > 0) throw new ConfigError(problems);

  const scopesSupported = [...new Set([...(e.SCOPES_SUPPORTED.length ? e.SCOPES_SUPPORTED : DEFAULT_SCOPES), ...e.REQUIRED_SCOPES])];

  return Object.freeze({
    logtoEndpoint: e.LOGTO_ENDPOINT,
    issuer: e.LOGTO_ENDPOINT ? `${e.LOGTO_ENDPOINT}/oidc` : undefined,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    resource: resource === undefined ? undefined : canonicalResource(resource),
    tokenValidation: e.TOKEN_VALIDATION,
    requiredScopes: Object.freeze(e.REQUIRED_SCOPES),
    scopesSupported: Object.freeze(scopesSupported),
    allowedOrigins: Object.freeze(e.ALLOWED_ORIGINS),
    logLevel: e.LOG_LEVEL,
    stateless: e.MCP_STATELESS,
    userinfoCacheTtl: e.USERINFO_CACHE_TTL,
    cacheMaxEntries: e.CACHE_MAX_ENTRIES,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    upstreamConcurrency: e.UPSTREAM_CONCURRENCY,
    opaqueTokenLength: Object.freeze({ min: e.OPAQUE_TOKEN_MIN_LENGTH, max: e.OPAQUE_TOKEN_MAX_LENGTH }),
    sessionIdleTimeoutSeconds: e.SESSION_IDLE_TIMEOUT,
    maxSessions: e.MAX_SESSIONS,
    maxSessionsPerSubject: e.MAX_SESSIONS_PER_SUBJECT,
    maxBodyBytes: e.MAX_BODY_BYTES,
    devIdpPort: e.DEV_IDP_PORT,
    redisUrl: e.REDIS_URL,
    replicaId: e.REPLICA_ID,
    replicaUrl: e.REPLICA_URL,
    clusterSecret: clusterSecret === undefined ? undefined : new Secret(clusterSecret),
    managementApi:
      m2mId && m2mSecret
        ? Object.freeze({
            appId: m2mId,
            appSecret: new Secret(m2mSecret),
            resource: e.LOGTO_MANAGEMENT_API_RESOURCE ?? defaultManagementApiResource(e.LOGTO_ENDPOINT),
          })
        : undefined,
    profileFields: Object.freeze(
      e.WHOAMI_PROFILE_FIELDS.length === 0
        ? [...DEFAULT_PROFILE_FIELDS]
        : [...new Set(e.WHOAMI_PROFILE_FIELDS.filter((f): f is ProfileField => f !== 'none'))],
    ),
    profileCacheTtl: e.WHOAMI_PROFILE_CACHE_TTL,
    clientRedirectUris: Object.freeze([...new Set(e.CLIENT_REDIRECT_URIS)]),
    metrics: e.METRICS_PORT === undefined ? undefined : Object.freeze({ port: e.METRICS_PORT, host: e.METRICS_HOST }),
    auditLog: e.AUDIT_LOG,
    tracing: tracingOn
      ? Object.freeze({
          url:
            e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
            (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : 'http://localhost:4318/v1/traces'),
          serviceName: e.OTEL_SERVICE_NAME ?? 'logto-whoami-mcp',
        })
      : undefined,
  });
}

/**
 * The one spelling of a resource identifier: the WHATWG URL serialization, which is what clients
 * that parse the metadata's `resource` (mcp-remote) send back — an origin-only URL gains a trailing
 * `/` (`http://localhost:3001` → `http://localhost:3001/`), host and scheme are lower-cased, a
 * default port is dropped. Logto matches API identifiers byte for byte, so the metadata, the dev
 * IdP's registration, the banner and the Logto console must all use exactly this string.
 */
export function canonicalResource(url: string): string {
  return new URL(url).href;
}

/** The resources of this server and what it announces, once it listens ({@link announcedUrls}). */
export interface AnnouncedUrls {
  /** PUBLIC_URL, else `http://localhost:<port>`; no trailing slash. */
  publicUrl: string;
  /**
   * The resource identifier each endpoint announces (RFC 9728 `resource`, RFC 8707 `resource`):
   * `mcp` for /mcp, `sse` for /sse and /messages. Canonical ({@link canonicalResource}).
   */
  resources: { readonly mcp: string; readonly sse: string };
  /**
   * Every distinct resource identifier of this server, /mcp's first: the Logto API resources that must
   * exist, and the JWT audiences accepted on every endpoint (a token whose `aud` names any of them).
   */
  audiences: readonly string[];
  /** True when MCP_RESOURCE names one resource for every endpoint (the deployments of before per-endpoint resources). */
  singleResource: boolean;
}

/**
 * What the server announces once it listens on `port`. By default each endpoint is its own
 * protected resource, named by its own URL (the MCP authorization spec's canonical server URI;
 * RFC 9728 §3.3): `${publicUrl}/mcp` for /mcp, `${publicUrl}/sse` for /sse and /messages. With
 * MCP_RESOURCE, that one identifier for every endpoint. One definition for the server and for
 * `--doctor`/`--setup`, which must name the API identifiers the server will announce.
 */
export function announcedUrls(config: Config, port: number = config.port): AnnouncedUrls {
  const publicUrl = config.publicUrl ?? `http://localhost:${port}`;
  const resources = config.resource
    ? { mcp: config.resource, sse: config.resource }
    : { mcp: canonicalResource(`${publicUrl}/mcp`), sse: canonicalResource(`${publicUrl}/sse`) };
  return {
    publicUrl,
    resources: Object.freeze(resources),
    audiences: Object.freeze([...new Set([resources.mcp, resources.sse])]),
    singleResource: config.resource !== undefined,
  };
}

/** Why single-resource mode locks clients out (`problem`), and how to move off it (`remedy`). */
export interface SingleResourceWarning {
  problem: string;
  remedy: string;
}

/**
 * Why single-resource mode (MCP_RESOURCE) locks out clients, and how to move: the banner says both
 * ({@link singleResourceWarningText}), `--doctor` the problem as its summary. Undefined without MCP_RESOURCE.
 */
export function singleResourceWarning(urls: AnnouncedUrls): SingleResourceWarning | undefined {
  if (!urls.singleResource) return undefined;
  const originOnly = new URL(urls.resources.mcp).pathname === '/';
  return {
    problem:
      `MCP_RESOURCE=${urls.resources.mcp} names one resource for every endpoint: ` +
      `Gemini CLI cannot sign in (it wants the metadata of /mcp to name ${urls.publicUrl}/mcp, of /sse ${urls.publicUrl}/sse)` +
      (originOnly ? ', nor can the Vercel AI SDK (it strips the trailing / of an origin-only identifier and gets invalid_target)' : ''),
    remedy: `unset MCP_RESOURCE, run --setup (creates the API resources ${urls.publicUrl}/mcp and ${urls.publicUrl}/sse with the same permissions), then --doctor`,
  };
}

/** The warning as one line: the problem, then the move. */
export function singleResourceWarningText(warning: SingleResourceWarning): string {
  return `${warning.problem}. To move: ${warning.remedy}`;
}

/** Same origin, and the resource's path is the endpoint's path or a whole-segment prefix of it. */
function coversEndpoint(resource: URL, endpoint: URL): boolean {
  const path = resource.pathname.replace(/\/$/, '');
  return resource.origin === endpoint.origin && (endpoint.pathname === path || endpoint.pathname.startsWith(`${path}/`));
}

/** An absolute redirect URI with an authority (`http://localhost:6274/oauth/callback`, `com.example.app://cb`): not `localhost:6274`. */
export function isRedirectUri(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]/i.test(value) && URL.canParse(value);
}
