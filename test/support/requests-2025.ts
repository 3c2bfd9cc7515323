/**
 * The raw 2025 Streamable HTTP requests tests send by hand (the two-replica tests, no-crosstalk): the
 * headers of a call with a bearer token (and a session), and a whoami `tools/call` body.
 */

export const PROTOCOL_VERSION = '2025-06-18';

/** The headers of a 2025-06-18 POST to /mcp with `tok`, in session `sessionId` if given. */
export function headers(tok: string, sessionId?: string): Record<string, string> {
  return {
    authorization: `Bearer ${tok}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': PROTOCOL_VERSION,
    ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
  };
}

/** A `tools/call whoami` body with JSON-RPC id `id`. */
export const whoamiCall = (id = 2) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
