/** Raw 2026-07-28 requests: the per-request `_meta` envelope and the headers that must agree with it. */

export const VERSION_2026_07_28 = '2026-07-28';

function envelope(version = VERSION_2026_07_28) {
  return {
    'io.modelcontextprotocol/protocolVersion': version,
    'io.modelcontextprotocol/clientInfo': { name: 'e2e-raw', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
}

/** A 2026-07-28 JSON-RPC request: `params._meta` carries the envelope. */
export function request2026_07_28(method: string, params: Record<string, unknown> = {}, id: number | string = 1, version = VERSION_2026_07_28) {
  return { jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope(version) } };
}

/** The headers a 2026-07-28 client sends for `body` (Mcp-Name for tools/call), plus `extra`. */
export function headers2026_07_28(body: { method: string; params?: Record<string, unknown> }, extra: Record<string, string> = {}, version = VERSION_2026_07_28): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': version,
    'mcp-method': body.method,
    ...(body.method === 'tools/call' && typeof body.params?.['name'] === 'string' ? { 'mcp-name': body.params['name'] } : {}),
    ...extra,
  };
}

/** POSTs a 2026-07-28 request; `headers` override the derived ones. Returns status, headers, parsed body. */
export async function post2026_07_28(url: string, body: ReturnType<typeof request2026_07_28>, headers: Record<string, string> = {}, version = VERSION_2026_07_28) {
  const res = await fetch(url, { method: 'POST', headers: headers2026_07_28(body, headers, version), body: JSON.stringify(body) });
  const text = await res.text();
  let json: Record<string, any> | undefined;
  try {
    json = JSON.parse(text) as Record<string, any>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
