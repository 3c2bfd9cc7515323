import { HttpError, type HttpErrorOptions } from './errors.js';

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
/** The SDK's code for transport-level refusals (bad session, wrong method). */
export const SERVER_ERROR = -32000;

/**
 * A JSON-RPC 2.0 error answered with an HTTP status — how the MCP transports refuse a request.
 * Rendered by ./answer.ts as `{ jsonrpc: '2.0', error: { code, message }, id: null }`.
 */
export function jsonRpcError(status: number, code: number, message: string, options: Pick<HttpErrorOptions, 'retryAfter' | 'headers'> = {}): HttpError {
  return new HttpError(status, code, { ...options, description: message });
}

/** An unknown session, or another subject's, or a gone replica's: one answer (a stranger learns nothing). */
export const SESSION_NOT_FOUND = jsonRpcError(404, SERVER_ERROR, 'Session not found');

/** The parsed JSON-RPC body of an MCP POST, for the request's span (src/http/mcp-span.ts); set by the transport that read it. */
export type RpcVariables = { rpc: unknown };
