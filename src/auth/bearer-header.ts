import { AuthError } from './errors.js';

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Generous for JWTs with many claims, far below Node's 16 KiB header limit. */
export const MAX_TOKEN_LENGTH = 8192;

/**
 * Extracts the bearer token from a request, per RFC 6750 §2.1 and §3.1.
 *
 * - no `Authorization` header, or another scheme → `undefined` (the caller answers 401 with no `error`);
 * - malformed (`Bearer` alone, several tokens, bad characters, too long, a repeated header — which
 *   arrives comma-joined) → `invalid_request`;
 * - a token in the query (`access_token=`) is never accepted (§2.3 is not supported): alone it is an
 *   unsupported method → `undefined` (401, no `error`), next to a header token → `invalid_request`.
 *
 * This does NOT validate the token; it only parses the request.
 */
export function extractBearerToken(authorization: string | undefined, url: URL | string): string | undefined {
  const token = fromHeader(authorization);
  // §2.3 is not supported, so a query token alone is an unsupported method (§3.1: a plain 401
  // challenge, no error code); next to a header token it is a second method (§3.1: 400).
  if (token !== undefined && hasQueryToken(url)) {
    throw new AuthError('invalid_request', 'more than one method of sending an access token');
  }
  return token;
}

/** `access_token` in the query; a request URL without `?` has no query to parse (every MCP call). */
function hasQueryToken(url: URL | string): boolean {
  if (typeof url !== 'string') return url.searchParams.has('access_token');
  return url.includes('?') && new URL(url).searchParams.has('access_token');
}

function fromHeader(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const header = authorization.trim();
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    // A repeated header whose first value is another scheme still smuggles a bearer token.
    if (/,\s*bearer\s/i.test(header)) throw new AuthError('invalid_request', 'multiple credentials');
    return undefined;
  }
  const token = space === -1 ? '' : header.slice(space + 1).trim();
  if (token === '') throw new AuthError('invalid_request', 'missing bearer token');
  if (token.length > MAX_TOKEN_LENGTH) throw new AuthError('invalid_request', 'bearer token too long');
  if (!B64TOKEN.test(token)) throw new AuthError('invalid_request', 'malformed bearer token');
  return token;
}
