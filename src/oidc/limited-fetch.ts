import { UpstreamError } from './errors.js';
import { BodyTooLargeError, readLimited } from '../shared/read-limited.js';

/** Statuses whose Response may not carry a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for jose's `createRemoteJWKSet` (`[customFetch]`) that reads at most `maxBytes` of the
 * response: jose itself calls `response.json()` on whatever arrives, so a misbehaving JWKS endpoint
 * could otherwise make us buffer megabytes. Too large → {@link UpstreamError} (503, not cached).
 * Timeouts and aborts pass through unchanged, so jose still reports them as `JWKSTimeout`.
 */
export function limitedFetch(maxBytes: number, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    let text: string;
    try {
      text = await readLimited(res.body, maxBytes, res.headers.get('content-length'));
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw new UpstreamError(`JWKS response over ${maxBytes} bytes`, { cause: error });
      throw error;
    }
    const headers = { 'content-type': res.headers.get('content-type') ?? 'application/octet-stream' };
    return new Response(NULL_BODY.has(res.status) ? null : text, { status: res.status, statusText: res.statusText, headers });
  };
}
