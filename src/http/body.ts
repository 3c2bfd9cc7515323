import { readChunks } from '../shared/read-limited.js';
import { answer } from './answer.js';
import { INVALID_REQUEST, jsonRpcError, PARSE_ERROR } from './jsonrpc.js';

/**
 * How much of an oversized request body is read and thrown away before the 413 is sent. A server
 * that closes a connection with unread request bytes makes the kernel send a TCP RST, and the RST
 * destroys the answer the client has not read yet (most clients read only after sending): the
 * client sees EPIPE/ECONNRESET instead of the 413. Reading the rest keeps the connection healthy;
 * past this bound (or past the server's requestTimeout) the answer says `Connection: close`.
 */
function drainLimit(maxBytes: number): number {
  return Math.max(4 * maxBytes, 8 * 1024 * 1024);
}

/** The body as text, or how an oversized one ended: read to its end and discarded, or not. */
async function readOrDrain(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  declared: number | undefined,
): Promise<{ text: string } | 'drained' | 'undrained'> {
  const limit = drainLimit(maxBytes);
  if (declared !== undefined && declared > limit) {
    await body?.cancel().catch(() => {});
    return 'undrained';
  }
  if (!body) return { text: '' };
  const read = await readChunks(body, maxBytes, limit);
  if (read === 'over') return 'undrained';
  return read.text === undefined ? 'drained' : { text: read.text };
}

const UNREADABLE = jsonRpcError(400, PARSE_ERROR, 'Parse error: the request body could not be read');
const NOT_JSON = jsonRpcError(400, PARSE_ERROR, 'Parse error: invalid JSON');

/**
 * Reads and parses a JSON request body under `maxBytes`, or returns the JSON-RPC error response
 * to send: 413 when too large (after reading the rest, up to {@link drainLimit}, so the client
 * can read it), 400 parse error when unreadable or not JSON. Used where the app
 * parses the body itself (which makes the SDK skip its own size limit).
 */
export async function readJsonBody(req: Request, maxBytes: number): Promise<{ body: unknown } | Response> {
  let text: string;
  const header = req.headers.get('content-length');
  const declared = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
  try {
    // With a Content-Length within the limit, Node's HTTP parser delivers exactly that many bytes,
    // so `text()` is bounded too — and @hono/node-server reads it straight from the socket
    // instead of building a web Request and stream (the largest cost of a small POST).
    if (declared !== undefined && declared <= maxBytes) text = await req.text();
    else {
      const read = await readOrDrain(req.body, maxBytes, declared);
      if (read === 'drained' || read === 'undrained') {
        return answer(jsonRpcError(413, INVALID_REQUEST, `Request body exceeds ${maxBytes} bytes`, read === 'undrained' ? { headers: { connection: 'close' } } : {}));
      }
      text = read.text;
    }
  } catch {
    return answer(UNREADABLE);
  }
  try {
    return { body: JSON.parse(text) };
  } catch {
    return answer(NOT_JSON);
  }
}
