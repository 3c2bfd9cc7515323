import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { TtlCache } from '../shared/ttl-cache.js';
import { tokenHash, type SharedCache } from './cache.js';
import { AuthError } from './errors.js';
import { NOOP_OBSERVER, type Observer } from '../observe/observer.js';
import { judgeTokenShape, type TokenShapeOptions } from './token-shape.js';

/** What the verifiers agree a token proves; the raw token is never part of it. */
export interface Identity {
  tokenType: 'jwt' | 'opaque';
  issuer: string;
  subject: string;
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt: number;
  /** The verified JWT payload, or the userinfo response. */
  claims: Readonly<Record<string, unknown>>;
}

export interface AuthenticatorOptions {
  mode: 'auto' | 'jwt' | 'userinfo';
  issuer: string;
  /** Checks signature, `iss` and `aud` (one audience set — every resource of this server — for every endpoint). */
  verifyJwt: (token: string) => Promise<Record<string, unknown> & { sub: string; exp: number }>;
  verifyUserinfo: (token: string) => Promise<Record<string, unknown> & { sub: string }>;
  /** Seconds an opaque token's userinfo result is trusted. */
  userinfoTtlSeconds: number;
  cacheMaxEntries: number;
  /** A cache level shared by replicas (src/cluster/), behind the local one; opaque tokens only. */
  sharedCache?: SharedCache;
  /** The plausibility gate's bounds (see judgeTokenShape): nothing refused by it reaches a verifier. */
  shape: TokenShapeOptions;
  /** Told of every local cache lookup (hit or miss). */
  observer?: Observer | undefined;
  now?: () => number;
}

/** jose codes after which the same token can never pass, whatever the time or the JWKS. */
const FINAL_JOSE_CODES = new Set(['ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_JWT_EXPIRED', 'ERR_JOSE_ALG_NOT_ALLOWED', 'ERR_JWS_INVALID', 'ERR_JWT_INVALID']);
/** How long a final refusal of a JWT is remembered. */
const REFUSAL_TTL_MS = 60_000;

/**
 * True for a JWT refusal that no retry can change (bad signature, expired, wrong `iss`/`aud`, …).
 * Not final: an unknown `kid` (the JWKS may rotate), `nbf`/`iat` in the future, and anything
 * without a jose cause.
 */
function isFinalRefusal(error: unknown): error is AuthError {
  if (!(error instanceof AuthError)) return false;
  const cause = error.cause as { code?: unknown; claim?: unknown } | undefined;
  if (typeof cause?.code !== 'string') return false;
  if (cause.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return cause.claim === 'iss' || cause.claim === 'aud';
  return FINAL_JOSE_CODES.has(cause.code);
}

function scopesOf(claims: Record<string, unknown>): string[] {
  const scope = claims['scope'] ?? claims['scp'];
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string');
  return [];
}

/**
 * Turns a bearer token into an {@link Identity}. First the plausibility gate ({@link judgeTokenShape}):
 * a token that cannot be the issuer's is refused without any upstream call. Then the path by `mode`:
 * `auto` sends JWTs (anything with a dot) to jose and opaque tokens to userinfo; a JWT that fails is never
 * retried through userinfo. Successful results are cached by SHA-256 of the token, per path,
 * never past the token's expiry; concurrent cold requests share one upstream call. One authenticator
 * serves every endpoint and era with one `verifyJwt` (one audience set), so a cached identity means
 * exactly what a fresh check would: a hit can never let through a token that `verifyJwt` refuses. Final JWT
 * refusals (bad signature, expired, wrong `iss`/`aud`, …) are remembered for 60 s; other failures
 * are never stored.
 */
export function createAuthenticator(options: AuthenticatorOptions) {
  const now = options.now ?? Date.now;
  const observer = options.observer ?? NOOP_OBSERVER;
  const cache = new TtlCache<Identity>(options.cacheMaxEntries, now);
  // Final JWT refusals, so a client that keeps sending the same bad token costs no signature
  // check (ES384) per request. Separate and smaller, so refusals never evict good entries.
  const refused = new TtlCache<AuthError>(Math.min(options.cacheMaxEntries, 10_000), now);

  const viaJwt = (token: string, hash: string) => {
    const key = `jwt:${hash}`;
    const known = refused.get(key);
    if (known) return Promise.reject(known);
    return cache.getOrLoad(key, async () => {
      const claims = await options.verifyJwt(token);
      const identity: Identity = {
        tokenType: 'jwt',
        issuer: options.issuer,
        subject: claims.sub,
        clientId: typeof claims['client_id'] === 'string' ? claims['client_id'] : typeof claims['azp'] === 'string' ? claims['azp'] : '',
        scopes: scopesOf(claims),
        expiresAt: claims.exp,
        claims: Object.freeze({ ...claims }),
      };
      return { value: identity, expiresAt: claims.exp * 1000 };
    }).catch((error: unknown) => {
      if (isFinalRefusal(error)) refused.set(key, error, now() + REFUSAL_TTL_MS);
      throw error;
    });
  };

  const viaUserinfo = (token: string, hash: string) => {
    const key = `userinfo:${hash}`;
    const load = async () => {
      const claims = await options.verifyUserinfo(token);
      const expiresAtMs = now() + options.userinfoTtlSeconds * 1000;
      const identity: Identity = {
        tokenType: 'opaque',
        issuer: options.issuer,
        subject: claims.sub,
        clientId: '',
        scopes: [],
        // The SDK's helpers refuse auth info without an expiry: the cache TTL is the honest one.
        expiresAt: Math.floor(expiresAtMs / 1000),
        claims: Object.freeze({ ...claims }),
      };
      return { value: identity, expiresAt: expiresAtMs };
    };
    const shared = options.sharedCache;
    return cache.getOrLoad(key, shared ? () => shared(key, load) : load);
  };

  return {
    cache,
    async authenticate(token: string): Promise<Identity> {
      const hash = tokenHash(token);
      // A warm token skips the shape check: only a token that went down a path (in this mode) is
      // ever stored under that path's key.
      const hit = (options.mode !== 'userinfo' ? cache.get(`jwt:${hash}`) : undefined) ?? (options.mode !== 'jwt' ? cache.get(`userinfo:${hash}`) : undefined);
      if (hit) {
        observer.cache('local', true);
        return hit;
      }
      observer.cache('local', false);
      const shape = judgeTokenShape(token, options.shape);
      switch (options.mode) {
        case 'jwt':
          if (shape !== 'jwt') throw new AuthError('invalid_token', 'a JWT access token is required');
          return viaJwt(token, hash);
        case 'userinfo':
          // The operator chose userinfo for every token; a well-formed JWT is still only forwarded.
          return viaUserinfo(token, hash);
        default:
          return shape === 'jwt' ? viaJwt(token, hash) : viaUserinfo(token, hash);
      }
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

/**
 * The SDK's AuthInfo for a request; handlers read the identity from `extra`. `resource` is the
 * endpoint's URL, parsed once by the caller (the bearer gate): both SDKs only read it.
 */
export function toAuthInfo(token: string, identity: Identity, resource: URL): AuthInfo {
  return {
    token,
    clientId: identity.clientId,
    scopes: identity.scopes,
    expiresAt: identity.expiresAt,
    resource,
    extra: { identity },
  };
}
