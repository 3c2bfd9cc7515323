import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JSONWebKeySet } from 'jose';
import type Provider from 'oidc-provider';
import { DEV_M2M_CLIENT_ID, MANAGEMENT_API_INDICATOR } from './clients.js';
import { matchLoopbackPortsOfMetadataDocumentClients } from './cimd.js';
import { buildConfiguration } from './configuration.js';
import { withProviderNoticesRouted } from './console-capture.js';
import { handleInteraction } from './interactions.js';
import { generateCookieKeys, generateSigningJwks } from './keys.js';
import { consoleLogger, type DevIdpLogger } from './logger.js';
import { isLoopbackHost } from '../shared/loopback-host.js';
import { closeServer, isAddressUnavailable, isLoopbackOrigin, listen } from './loopback.js';
import { createDevApplications } from './management/applications.js';
import { createDevManagementApi } from './management/index.js';
import { createDevApiResources } from './management/resources.js';
import { createDevTenant, type DevTenant } from './tenant.js';
import { DEV_USERS } from './users.js';

export { DEV_USERS, type DevUser } from './users.js';
export { DEV_CLI_CLIENT_ID, DEV_CLI_REDIRECT_URI, DEV_M2M_CLIENT_ID, INSPECTOR_CLIENT_ID, MANAGEMENT_API_INDICATOR } from './clients.js';
export type { DevTenant } from './tenant.js';
export type { DevIdpLogger } from './logger.js';
export { DevTokenError, getDevToken, type DevTokenOptions, type DevTokenSet } from './token-helper.js';

export interface DevIdpOptions {
  /** Interface to bind. Default '127.0.0.1'. Must be loopback (localhost, 127.0.0.0/8, ::1), else startDevIdp throws. */
  host?: string;
  /** Default 3002; 0 picks a free port. */
  port?: number;
  /** API resource indicator → permission scopes it offers, e.g. `{ 'http://localhost:3001/mcp': ['whoami:read'], 'http://localhost:3001/sse': ['whoami:read'] }`. Matched exactly. */
  resources: Record<string, string[]>;
  /** Lifetime of access tokens, in seconds. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** pino-like logger. Default: one line per entry on stderr. */
  logger?: DevIdpLogger;
  /** Fetch for client ID metadata documents. Default: global fetch (tests pass one trusting their test certificate). */
  fetch?: typeof fetch;
}

export interface DevIdp {
  /** `http://localhost:<port>/oidc`, the value of `iss` in every token, as with Logto. */
  issuer: string;
  /** `http://localhost:<port>` */
  origin: string;
  /**
   * The machine-to-machine app for the Management API at `${origin}/api` (client credentials,
   * `resource` = {@link MANAGEMENT_API_INDICATOR}, scope `all`). The secret is new per start.
   */
  m2m: { appId: string; appSecret: string; resource: string };
  /** The demo tenant the Management API serves (users' roles, organizations); mutable. */
  tenant: DevTenant;
  /** Closes every listener and drops open connections. */
  close(): Promise<void>;
}

const MOUNT_PATH = '/oidc';
const DEFAULT_PORT = 3002;

/**
 * Starts an in-memory, Logto-shaped OpenID Provider for local development:
 * issuer `http://localhost:<port>/oidc`, Logto's endpoint paths, ES384 keys,
 * PKCE, RFC 8707 resource indicators with JWT access tokens, a real password
 * login and consent screen, and open dynamic client registration (which real
 * Logto does not have).
 *
 * Refuses to start when `NODE_ENV=production` or when `host` is not loopback.
 * Keys, cookies secrets, sessions and registered clients live only as long as the process.
 */
export async function startDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  if (process.env.NODE_ENV === 'production') {
    throw new Error('the development IdP refuses to run with NODE_ENV=production; configure LOGTO_ENDPOINT instead');
  }
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    throw new Error(`the development IdP only binds to loopback addresses, not "${host}"`);
  }
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port: ${port}`);
  const accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 3600;
  if (!Number.isSafeInteger(accessTokenTtlSeconds) || accessTokenTtlSeconds <= 0) {
    throw new RangeError('accessTokenTtlSeconds must be a positive integer');
  }
  const resources = validateResources(options.resources);
  const logger = options.logger ?? consoleLogger;

  const state: DispatchState = { port };
  const m2mSecret = randomBytes(24).toString('base64url');
  const tenant = createDevTenant();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    dispatch(state, req, res, logger).catch((error: unknown) => {
      logger.error({ event: 'dev_idp.request_error', err: error }, 'development IdP: request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'server_error' }));
    });
  };

  // Listen first: with port 0 the issuer must carry the port actually assigned.
  const { servers, port: actualPort } = await listenAll(host === 'localhost' ? '127.0.0.1' : host, port, handler);
  state.port = actualPort;
  const origin = `http://localhost:${actualPort}`;
  const issuer = `${origin}${MOUNT_PATH}`;

  try {
    const [jwks, { default: ProviderClass, errors }] = await Promise.all([
      generateSigningJwks(),
      withProviderNoticesRouted(logger, () => import('oidc-provider')),
    ]);
    const configuration = buildConfiguration({
      resources,
      accessTokenTtlSeconds,
      jwks,
      cookieKeys: generateCookieKeys(),
      m2mSecret,
      InvalidTarget: errors.InvalidTarget,
      InvalidClientMetadata: errors.InvalidClientMetadata,
      fetch: options.fetch,
    });
    state.management = createDevManagementApi({
      issuer,
      indicator: MANAGEMENT_API_INDICATOR,
      // Public halves only (an EC private JWK's `d` is the private key).
      jwks: { keys: jwks.keys.map(({ d: _private, ...pub }) => pub) } as JSONWebKeySet,
      tenant,
      resources: createDevApiResources(resources, accessTokenTtlSeconds),
      // Seeded with the pre-registered clients (static ones and the M2M app), copied before oidc-provider takes the configuration.
      applications: createDevApplications(configuration.clients ?? [], async (metadata) => {
        // Pre-registered clients win over stored ones in oidc-provider: their listing may change, their registration not.
        const provider = state.provider;
        if (!provider) throw new Error('the development IdP is not ready');
        await provider.Client.validate(metadata);
        // Where oidc-provider keeps dynamically registered clients (its types do not declare `Client.adapter`).
        const { adapter } = provider.Client as unknown as { adapter: { upsert(id: string, payload: object, expiresIn?: number): Promise<void> } };
        await adapter.upsert(metadata.client_id, metadata);
      }),
    });
    const provider = await withProviderNoticesRouted(logger, async () => new ProviderClass(issuer, configuration));
    matchLoopbackPortsOfMetadataDocumentClients(provider);
    observe(provider, logger);
    state.provider = provider;
    state.callback = provider.callback();
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    throw error;
  }

  logger.warn(
    {
      event: 'dev_idp.started',
      issuer,
      users: DEV_USERS.map((u) => u.username),
      resources: Object.keys(resources),
      managementApi: { endpoint: `${origin}/api`, m2mAppId: DEV_M2M_CLIENT_ID, resource: MANAGEMENT_API_INDICATOR },
    },
    'DEVELOPMENT IdP started — NOT Logto: development-only, in-memory, ephemeral signing keys, demo users with public passwords. ' +
      'Do NOT use it in production; set LOGTO_ENDPOINT to use a real Logto tenant.',
  );

  let closing: Promise<void> | undefined;
  return {
    issuer,
    origin,
    m2m: { appId: DEV_M2M_CLIENT_ID, appSecret: m2mSecret, resource: MANAGEMENT_API_INDICATOR },
    tenant,
    close() {
      closing ??= Promise.all(servers.map(closeServer)).then(() => undefined);
      return closing;
    },
  };
}

function validateResources(input: Record<string, string[]> | undefined): Record<string, string[]> {
  if (input === null || typeof input !== 'object') throw new TypeError('resources must be an object');
  const out: Record<string, string[]> = {};
  for (const [indicator, scopes] of Object.entries(input)) {
    const url = URL.parse(indicator);
    if (!url || url.hash || indicator.includes('#')) {
      throw new TypeError(`resource indicator must be an absolute URI without fragment: ${indicator}`);
    }
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
      throw new TypeError(`scopes of ${indicator} must be an array of scope tokens`);
    }
    out[indicator] = [...scopes];
  }
  return out;
}

async function listenAll(
  primaryHost: string,
  port: number,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ servers: Server[]; port: number }> {
  // `localhost` may resolve to ::1 (browsers, Node >= 17), so serve both loopback families.
  const secondaryHost = primaryHost === '::1' ? '127.0.0.1' : primaryHost === '127.0.0.1' ? '::1' : undefined;
  for (let attempt = 1; ; attempt += 1) {
    const primary = createServer(handler);
    const actualPort = await listen(primary, port, primaryHost);
    if (!secondaryHost) return { servers: [primary], port: actualPort };
    const secondary = createServer(handler);
    try {
      await listen(secondary, actualPort, secondaryHost);
      return { servers: [primary, secondary], port: actualPort };
    } catch (error) {
      if (isAddressUnavailable(error)) return { servers: [primary], port: actualPort };
      await closeServer(primary);
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!(port === 0 && inUse && attempt < 5)) throw error;
    }
  }
}

interface DispatchState {
  provider?: Provider;
  callback?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  management?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  port: number;
}

async function dispatch(
  state: DispatchState,
  req: IncomingMessage,
  res: ServerResponse,
  logger: DevIdpLogger,
): Promise<void> {
  const { provider, callback } = state;
  if (!provider || !callback) {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ error: 'temporarily_unavailable' }));
    return;
  }
  // DNS-rebinding guard: only answer requests addressed to a loopback name.
  const hostHeader = req.headers.host ?? '';
  const hostname = URL.parse(`http://${hostHeader}`)?.hostname ?? '';
  if (!isLoopbackHost(hostname)) {
    res.writeHead(421, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'invalid_request', error_description: 'unexpected Host header' }));
    return;
  }

  const url = req.url ?? '/';
  if (isUnder(url, MOUNT_PATH)) {
    if (applyRegistrationCors(req, res)) return;
    // Mount oidc-provider under /oidc the way its docs describe for connect-style apps: the
    // provider sees the path without the prefix and rebuilds absolute URLs from `originalUrl`.
    Object.assign(req, { originalUrl: url, url: url.slice(MOUNT_PATH.length) || '/' });
    // Discovery, endpoints and cookies all on one origin, whichever loopback name the caller used.
    req.headers.host = `localhost:${state.port}`;
    await callback(req, res);
    return;
  }
  if (isUnder(url, '/api') && state.management) {
    await state.management(req, res);
    return;
  }
  if (await handleInteraction(provider, req, res, logger)) return;

  if (url === '/' || url.startsWith('/?')) {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`DEVELOPMENT IdP — not Logto.\nDiscovery: http://localhost:${state.port}${MOUNT_PATH}/.well-known/openid-configuration\n`);
    return;
  }
  // CORS on 404s too: browser MCP clients probe RFC 8414 paths (/.well-known/oauth-authorization-server/oidc)
  // before /oidc/.well-known/openid-configuration and must see a 404, not an opaque CORS failure.
  res.writeHead(404, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
  res.end(JSON.stringify({ error: 'not_found' }));
}

/** True when the request target is `prefix` itself or below it (`/oidc`, `/oidc/…`, `/oidc?…`; not `/oidcx`). */
function isUnder(url: string, prefix: string): boolean {
  return url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`);
}

/**
 * oidc-provider has no CORS on the registration endpoint; browser clients such as
 * the MCP Inspector register cross-origin. Development only: any loopback origin.
 * Returns true when the request was a preflight and has been answered.
 */
function applyRegistrationCors(req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (!path.startsWith(`${MOUNT_PATH}/reg`)) return false;
  const origin = req.headers.origin;
  res.setHeader('vary', 'Origin');
  if (!isLoopbackOrigin(origin)) return false;
  res.setHeader('access-control-allow-origin', origin as string);
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  res.writeHead(204, {
    'access-control-allow-methods': 'GET,POST',
    'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'content-type',
    'access-control-max-age': '600',
  });
  res.end();
  return true;
}

/** Routes provider events to the logger. Error codes only: never tokens, codes or request bodies. */
function observe(provider: Provider, logger: DevIdpLogger): void {
  provider.on('server_error', (_ctx: unknown, err: unknown) => {
    logger.error({ event: 'dev_idp.server_error', err }, 'development IdP: oidc-provider server error');
  });
  const events = ['authorization.error', 'grant.error', 'userinfo.error', 'registration_create.error', 'introspection.error', 'revocation.error'];
  const emitter: NodeJS.EventEmitter = provider;
  for (const event of events) {
    emitter.on(event, (_ctx: unknown, err: { error?: string; error_description?: string; status?: number }) => {
      if ((err.status ?? 500) >= 500) return; // reported by server_error
      logger.info(
        { event: `dev_idp.${event}`, error: err.error, error_description: err.error_description },
        'development IdP: request refused',
      );
    });
  }
}
