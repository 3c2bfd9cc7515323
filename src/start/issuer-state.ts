import { createRemoteJWKSet, customFetch } from 'jose';
import { createAuthenticator, type Authenticator } from '../auth/authenticate.js';
import type { SharedCache } from '../auth/cache.js';
import { createJwtVerifier } from '../auth/verify-jwt.js';
import { createUserinfoVerifier } from '../auth/verify-userinfo.js';
import type { Config } from '../config.js';
import { discoverIssuer, type IssuerMetadata } from '../oidc/discover.js';
import { limitedFetch } from '../oidc/limited-fetch.js';
import { NOOP_OBSERVER, type Observer } from '../observe/observer.js';
import { observedFetch } from '../observe/upstream.js';

/** What the app needs once the issuer is known; undefined until then (/readyz is red). */
export interface IssuerState {
  metadata: IssuerMetadata;
  authenticator: Authenticator;
}

/**
 * One discovery of `issuer`, and the token checks built on it: one remote JWKS for the process (so
 * jose's cache and kid-miss cooldown work), the JWT and userinfo verifiers, the authenticator.
 * Throws what discoverIssuer throws.
 */
export async function loadIssuerState(
  issuer: string,
  /** Every resource identifier of this server (announcedUrls' `audiences`): a JWT must name one. */
  audiences: readonly string[],
  config: Config,
  fetchFn?: typeof fetch,
  /** The cache level replicas share (REDIS_URL), behind the local one. */
  sharedCache?: SharedCache,
  /** Told of each call to the issuer (discovery, JWKS, userinfo) and of validation-cache lookups. */
  observer: Observer = NOOP_OBSERVER,
): Promise<IssuerState> {
  const metadata = await discoverIssuer(issuer, { timeoutMs: config.upstreamTimeoutMs, fetch: observedFetch('discovery', observer, fetchFn) });
  const jwks = createRemoteJWKSet(new URL(metadata.jwksUri), {
    timeoutDuration: config.upstreamTimeoutMs,
    cooldownDuration: 30_000,
    cacheMaxAge: 600_000,
    // A JWKS is a few KiB; jose would buffer any size.
    [customFetch]: limitedFetch(256 * 1024, observedFetch('jwks', observer, fetchFn)),
  });
  const authenticator = createAuthenticator({
    mode: config.tokenValidation,
    issuer: metadata.issuer,
    verifyJwt: createJwtVerifier({ issuer: metadata.issuer, audiences, jwks, algorithms: metadata.algorithms }),
    verifyUserinfo: createUserinfoVerifier({
      userinfoEndpoint: metadata.userinfoEndpoint,
      timeoutMs: config.upstreamTimeoutMs,
      concurrency: config.upstreamConcurrency,
      fetch: observedFetch('userinfo', observer, fetchFn),
    }),
    userinfoTtlSeconds: config.userinfoCacheTtl,
    cacheMaxEntries: config.cacheMaxEntries,
    ...(sharedCache && config.userinfoCacheTtl > 0 ? { sharedCache } : {}),
    shape: { algorithms: metadata.algorithms, opaqueLength: config.opaqueTokenLength },
    observer,
  });
  return { metadata, authenticator };
}
