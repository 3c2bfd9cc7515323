/** The JSON object body, or undefined (bodies are a few hundred bytes; Hono reads them once). */
export async function jsonBody(request: Request): Promise<Record<string, unknown> | undefined> {
  if (!request.headers.get('content-type')?.includes('application/json')) return undefined;
  if (Number(request.headers.get('content-length') ?? 0) > 64 * 1024) return undefined;
  const text = await request.text();
  if (text.length > 64 * 1024) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
