/**
 * The bearer gate's own cost on a warm token, in process (no HTTP, no SDK): what the server must
 * spend on authentication before the SDK runs, whatever else is trimmed.
 * `npm run build && node --import tsx bench/gate-cost.ts` on a quiet machine. CPU ms per call of:
 *  - `hash`: tokenHash (SHA-256 of the token: the only form the caches key on);
 *  - `authenticate`: a warm authenticator.authenticate (the hash, one cache lookup);
 *  - `gate`: the gate's work for one request (src/auth/bearer-gate.ts without hono around it): the
 *    header parsed, the warm authenticate, the scope check, the SDK's AuthInfo built.
 * Bounded: GATE_CALLS per loop (default 50,000).
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type * as Authenticate from '../src/auth/authenticate.js';
import type * as Cache from '../src/auth/cache.js';
import type * as BearerHeader from '../src/auth/bearer-header.js';
import type * as TokenShape from '../src/auth/token-shape.js';
import type * as VerifyJwt from '../src/auth/verify-jwt.js';
import { cpuMsPerCall } from './children/cpu-per-call.js';

const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;
const { createAuthenticator, toAuthInfo } = (await import(dist('auth/authenticate.js'))) as typeof Authenticate;
const { tokenHash } = (await import(dist('auth/cache.js'))) as typeof Cache;
const { extractBearerToken } = (await import(dist('auth/bearer-header.js'))) as typeof BearerHeader;
const { DEFAULT_OPAQUE_LENGTH } = (await import(dist('auth/token-shape.js'))) as typeof TokenShape;
const { createJwtVerifier } = (await import(dist('auth/verify-jwt.js'))) as typeof VerifyJwt;

const CALLS = Number(process.env['GATE_CALLS'] ?? 50_000);
const loop = { calls: CALLS, warmup: Math.ceil(CALLS / 5) };
const ISSUER = 'http://127.0.0.1:3001/oidc';
const RESOURCE = 'http://localhost:3000/mcp';

// An ES384 at+jwt shaped as Logto issues them (the dev IdP's alg), with a Logto-sized claim set.
const key = await generateKeyPair('ES384');
const jwk: JWK = { ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'ES384', use: 'sig' };
const jwt = await new SignJWT({ scope: 'openid profile whoami:read', client_id: 'bench-client' })
  .setProtectedHeader({ alg: 'ES384', kid: 'k1', typ: 'at+jwt' })
  .setIssuer(ISSUER)
  .setSubject('a1ice7x2k9qm')
  .setAudience(RESOURCE)
  .setJti('jti-0123456789abcdef')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(key.privateKey);

const authenticator = createAuthenticator({
  mode: 'auto',
  issuer: ISSUER,
  verifyJwt: createJwtVerifier({ issuer: ISSUER, audiences: [RESOURCE], jwks: createLocalJWKSet({ keys: [jwk] }), algorithms: ['ES384'] }),
  verifyUserinfo: () => Promise.reject(new Error('no userinfo here')),
  userinfoTtlSeconds: 60,
  cacheMaxEntries: 100,
  shape: { algorithms: ['ES384'], opaqueLength: DEFAULT_OPAQUE_LENGTH },
});
const required = ['whoami:read'];
const resourceUrl = new URL(RESOURCE);

/** What the gate does for a request with a warm token (src/auth/bearer-gate.ts), without hono around it. */
async function gateWork(): Promise<string> {
  const token = extractBearerToken(`Bearer ${jwt}`, RESOURCE)!;
  const identity = await authenticator.authenticate(token);
  if (required.some((s) => !identity.scopes.includes(s))) throw new Error('scope');
  return String(toAuthInfo(token, identity, resourceUrl).extra?.['identity'] === identity);
}

const result = {
  tokenBytes: jwt.length,
  hash: await cpuMsPerCall(async () => tokenHash(jwt), '', loop),
  authenticate: await cpuMsPerCall(async () => (await authenticator.authenticate(jwt)).subject, 'a1ice', loop),
  gate: await cpuMsPerCall(gateWork, 'true', loop),
};
const ms = (x: number) => Math.round(x * 10_000) / 10_000;
console.log(`token ${result.tokenBytes} bytes; CPU ms per call: hash ${ms(result.hash)}, warm authenticate ${ms(result.authenticate)}, the gate's work ${ms(result.gate)}`);
