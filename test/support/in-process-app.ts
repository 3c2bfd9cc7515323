import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { Hono } from 'hono';
import { createApp, type AppOptions } from '../../src/app.js';
import { createAuthenticator, type Authenticator } from '../../src/auth/authenticate.js';
import { DEFAULT_OPAQUE_LENGTH } from '../../src/auth/token-shape.js';
import { createJwtVerifier } from '../../src/auth/verify-jwt.js';
import { createLogger } from '../../src/log.js';
import type { IssuerMetadata } from '../../src/oidc/discover.js';
import { UpstreamError } from '../../src/oidc/errors.js';
import { SessionRegistry } from '../../src/transports/sessions.js';
import { LogCapture } from './harness.js';

export const ISSUER = 'http://127.0.0.1:3001/oidc';
export const PUBLIC_URL = 'http://localhost:3000';
export const RESOURCES = { mcp: `${PUBLIC_URL}/mcp`, sse: `${PUBLIC_URL}/sse` } as const;
export const SCOPES_SUPPORTED = ['openid', 'profile', 'whoami:read'] as const;
export const REQUIRED_SCOPES = ['whoami:read'] as const;
export const MAX_BODY_BYTES = 1024;

/** The headers every request to the app carries unless a test says otherwise: this server's Host, an MCP client's Accept. */
const BASE_HEADERS = { host: 'localhost:3000', accept: 'application/json, text/event-stream' };

export interface InProcessApp {
  app: Hono;
  logs: LogCapture;
  /** A request to the app, no socket: `path` on PUBLIC_URL, with this server's Host. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** An ES256 access token from the issuer (or, with `foreignKey`, signed by a key it never published). */
  token(claims?: { sub?: string; aud?: string; scope?: string; foreignKey?: boolean }): Promise<string>;
  /** Discovery done (the default) or not yet. */
  ready(value: boolean): void;
  /** Replaces what authenticating a token does (an unexpected failure, say). */
  authenticateWith(authenticate: Authenticator['authenticate'] | undefined): void;
}

/**
 * The whole app as start-up assembles it — gate, guard, metadata, era router, transports — on a
 * local issuer: JWTs verified against an in-memory JWKS, opaque tokens sent to a userinfo endpoint
 * that is down (UpstreamError). Exercised through `app.request()`, as hono tests its apps: no port.
 */
export async function inProcessApp(overrides: Partial<AppOptions> = {}): Promise<InProcessApp> {
  const issuerKey = await generateKeyPair('ES256');
  const foreignKey = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(issuerKey.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const metadata: IssuerMetadata = {
    issuer: ISSUER,
    jwksUri: `${ISSUER}/jwks`,
    userinfoEndpoint: `${ISSUER}/me`,
    algorithms: ['ES256'],
    raw: { issuer: ISSUER, jwks_uri: `${ISSUER}/jwks`, userinfo_endpoint: `${ISSUER}/me` },
  };
  const verified = createAuthenticator({
    mode: 'auto',
    issuer: ISSUER,
    verifyJwt: createJwtVerifier({ issuer: ISSUER, audiences: [RESOURCES.mcp, RESOURCES.sse], jwks: createLocalJWKSet({ keys: [jwk] }), algorithms: ['ES256'] }),
    verifyUserinfo: () => Promise.reject(new UpstreamError('userinfo unreachable')),
    userinfoTtlSeconds: 60,
    cacheMaxEntries: 100,
    shape: { algorithms: ['ES256'], opaqueLength: DEFAULT_OPAQUE_LENGTH },
  });
  let discovered = true;
  let authenticator: Authenticator = verified;
  const logs = new LogCapture();
  const app = createApp({
    publicUrl: PUBLIC_URL,
    resources: RESOURCES,
    listenHost: '127.0.0.1',
    scopesSupported: SCOPES_SUPPORTED,
    requiredScopes: REQUIRED_SCOPES,
    allowedOrigins: [],
    stateless: false,
    maxBodyBytes: MAX_BODY_BYTES,
    sessions: new SessionRegistry({ idleTimeoutMs: 60_000, maxSessions: 100, maxPerOwner: 100 }),
    logger: createLogger('debug', logs),
    state: () => (discovered ? { metadata, authenticator } : undefined),
    ...overrides,
  }) as unknown as Hono;

  const sign = (key: CryptoKey, claims: { sub?: string; aud?: string; scope?: string }) =>
    new SignJWT({ scope: claims.scope ?? 'openid whoami:read', client_id: 'in-process-client' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setSubject(claims.sub ?? 'user-1')
      .setAudience(claims.aud ?? RESOURCES.mcp)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);

  return {
    app,
    logs,
    request: (path, init = {}) => Promise.resolve(app.request(`${PUBLIC_URL}${path}`, { ...init, headers: { ...BASE_HEADERS, ...(init.headers as Record<string, string> | undefined) } })),
    token: (claims = {}) => sign(claims.foreignKey ? foreignKey.privateKey : issuerKey.privateKey, claims),
    ready: (value) => {
      discovered = value;
    },
    authenticateWith: (authenticate) => {
      authenticator = authenticate ? { ...verified, authenticate } : verified;
    },
  };
}
