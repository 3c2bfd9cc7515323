import { INVALID_REQUEST, jsonRpcError, PARSE_ERROR } from './jsonrpc.js';

/** The body was larger than allowed; answered with 413. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body over ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads a body stream as UTF-8, refusing more than `maxBytes` (declared or actual) without
 * buffering past the limit.
 */
export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  declaredLength?: string | null,
): Promise<string> {
  if (declaredLength && Number(declaredLength) > maxBytes) {
    await body?.cancel().catch(() => {});
    throw new BodyTooLargeError(maxBytes);
  }
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads and parses a JSON request body under `maxBytes`, or returns the JSON-RPC error response
 * to send: 413 when too large, 400 parse error when unreadable or not JSON. Used where the app
 * parses the body itself (which makes the SDK skip its own size limit).
 */
export async function readJsonBody(req: Request, maxBytes: number): Promise<{ body: unknown } | Response> {
  let text: string;
  const declared = req.headers.get('content-length');
  try {
    // With a Content-Length within the limit, Node's HTTP parser delivers exactly that many bytes,
    // so `text()` is bounded too — and @hono/node-server reads it straight from the socket
    // instead of building a web Request and stream (the largest cost of a small POST).
    text =
      declared !== null && /^\d+$/.test(declared) && Number(declared) <= maxBytes
        ? await req.text()
        : await readLimited(req.body, maxBytes, declared);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return jsonRpcError(413, INVALID_REQUEST, `Request body exceeds ${maxBytes} bytes`);
    return jsonRpcError(400, PARSE_ERROR, 'Parse error: the request body could not be read');
  }
  try {
    return { body: JSON.parse(text) };
  } catch {
    return jsonRpcError(400, PARSE_ERROR, 'Parse error: invalid JSON');
  }
}
