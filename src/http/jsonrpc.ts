/** A JSON-RPC 2.0 error response body with an HTTP status (the MCP transports answer errors this way). */
export function jsonRpcError(status: number, code: number, message: string, headers?: Record<string, string>): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status, ...(headers ? { headers } : {}) });
}

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
/** The SDK's code for transport-level refusals (bad session, wrong method). */
export const SERVER_ERROR = -32000;

/** The parsed JSON-RPC body of an MCP POST, for the request's span (src/http/mcp-span.ts); set by the transport that read it. */
export type RpcVariables = { rpc: unknown };
