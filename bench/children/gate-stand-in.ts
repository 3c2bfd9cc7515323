/**
 * What the bearer gate would hand the SDK for a caller (the shapes of src/auth/authenticate.ts's
 * `Identity` and `toAuthInfo`), for the bench children that run the SDK without a gate in front: the
 * SDK floors (sdk-floor.ts, sdk-v1-floor.ts) and the SDK alone over HTTP (sdk-http.ts).
 */
export function gateStandIn(sub = 'a1ice7x2k9qm') {
  const claims = { sub, iss: 'http://localhost/oidc', aud: 'http://localhost/', iat: 1, exp: 4_000_000_000, client_id: 'bench', jti: 'bench' };
  const identity = { issuer: claims.iss, subject: sub, claims, scopes: [], tokenType: 'jwt' as const, clientId: 'bench', expiresAt: 4_000_000_000 };
  const authInfo = { token: 'bench', clientId: 'bench', scopes: [], expiresAt: 4_000_000_000, extra: { identity } };
  return { claims, identity, authInfo };
}

/** A logger that writes nothing, for handlers built outside the server (their refusals are not the point). */
export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };
