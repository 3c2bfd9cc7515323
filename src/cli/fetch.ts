import type { FetchLike } from '@modelcontextprotocol/client';

/** Socket errors that mean "the connection died under the request", as undici reports them. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

function isConnectionReset(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (RESET_CODES.has((e as NodeJS.ErrnoException).code ?? '')) return true;
  }
  return false;
}

/**
 * `fetch` that sends a request a second time — once — when the connection is reset under it.
 * The named cause: undici reuses a keep-alive connection that the server is closing as idle
 * (Node's default keepAliveTimeout is 5 s); when this process was not scheduled in time to see
 * the server's FIN, the request goes out on the dead socket and fails with ECONNRESET / "other
 * side closed" before the server read it. A slow user at the login page, or a loaded machine,
 * makes exactly that gap. Only replayable bodies (none, string, URLSearchParams) are retried, and
 * an aborted request never is.
 */
export const resilientFetch: FetchLike = async (input, init) => {
  try {
    return await fetch(input, init);
  } catch (error) {
    const body = init?.body;
    const replayable = body === undefined || body === null || typeof body === 'string' || body instanceof URLSearchParams;
    if (!replayable || init?.signal?.aborted || !isConnectionReset(error)) throw error;
    return fetch(input, init);
  }
};
