/** A body was larger than {@link readLimited} allows (an upstream answer over its cap). */
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
  const read = await readChunks(body, maxBytes, maxBytes);
  if (read === 'over') throw new BodyTooLargeError(maxBytes);
  return read.text ?? '';
}

/**
 * Reads `body` to its end, keeping the bytes while they total at most `keep`; past `stopAfter` bytes
 * it stops reading (cancels the stream) and answers `over`. `text` is undefined when more than `keep`
 * bytes came (they were read and thrown away).
 */
export async function readChunks(body: ReadableStream<Uint8Array>, keep: number, stopAfter: number): Promise<{ text: string | undefined } | 'over'> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > stopAfter) {
      await reader.cancel().catch(() => {});
      return 'over';
    }
    if (size <= keep) chunks.push(value);
    else chunks.length = 0;
  }
  return { text: size <= keep ? Buffer.concat(chunks).toString('utf8') : undefined };
}
