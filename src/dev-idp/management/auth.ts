import type { MiddlewareHandler } from 'hono';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { logtoError } from './errors.js';

export interface ManagementAuthOptions {
  issuer: string;
  /** The Management API resource indicator: the `aud` an M2M token must carry. */
  indicator: string;
  /** The dev IdP's public signing keys. */
  jwks: JSONWebKeySet;
}

/**
 * Like Logto's Management API: a Bearer `at+jwt` from this issuer for the Management API
 * indicator (client credentials of an M2M app), carrying the `all` scope. Missing → 401
 * `auth.authorization_header_missing`; invalid → 401 `auth.unauthorized`; no `all` → 403 `auth.forbidden`.
 */
export function managementAuth(options: ManagementAuthOptions): MiddlewareHandler {
  const keys = createLocalJWKSet(options.jwks);
  return async (c, next) => {
    const header = c.req.header('authorization');
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header ?? '')?.[1];
    if (!header) return logtoError(c, 401, 'auth.authorization_header_missing', 'Authorization header is missing.');
    if (!token) return logtoError(c, 401, 'auth.authorization_token_type_not_supported', 'Authorization type is not supported.');
    let scope: unknown;
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.indicator,
        typ: 'at+jwt',
        algorithms: ['ES384'],
      });
      scope = payload['scope'];
    } catch {
      return logtoError(c, 401, 'auth.unauthorized', 'Unauthorized. Please check credentials and its scope.');
    }
    if (typeof scope !== 'string' || !scope.split(' ').includes('all')) {
      return logtoError(c, 403, 'auth.forbidden', 'Forbidden. Please check your permissions.');
    }
    await next();
    return undefined;
  };
}
