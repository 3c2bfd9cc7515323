import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Context } from 'hono';
import type { GateVariables } from '../auth/bearer-gate.js';
import { readJsonBody } from '../http/body.js';
import { answer } from '../http/answer.js';
import { INVALID_REQUEST, jsonRpcError, SERVER_ERROR, SESSION_NOT_FOUND, type RpcVariables } from '../http/jsonrpc.js';
import type { McpDeps } from '../mcp/deps.js';
import { createMcpServer2025 } from '../mcp/server-2025.js';
import { ownerOf, type SessionRegistry } from './sessions.js';
import { WebSseServerTransport } from './sse-transport.js';

export interface SseOptions {
  sessions: SessionRegistry;
  /** Path clients POST to, as seen from outside (PUBLIC_URL's path + `/messages`). */
  messagesPath: string;
  keepAliveMs: number;
  maxBodyBytes: number;
  /** Passed to every MCP server this transport creates. */
  mcpDeps?: McpDeps | undefined;
}

type Ctx = Context<{ Variables: GateVariables & RpcVariables }>;

const SITE = { era: '2024-11-05', transport: 'sse' } as const;

const SESSION_ID_REQUIRED = jsonRpcError(400, SERVER_ERROR, 'Bad Request: sessionId query parameter is required');
const EMPTY_BATCH = jsonRpcError(400, INVALID_REQUEST, 'Invalid Request: empty batch');
const NOT_JSON_RPC = jsonRpcError(400, INVALID_REQUEST, 'Invalid Request: not a JSON-RPC 2.0 message');

/** `GET /sse`: opens a stream owned by the caller; its first event names the POST endpoint. */
export function sseStreamHandler(options: SseOptions) {
  return async (c: Ctx): Promise<Response> => {
    const owner = ownerOf(c.get('identity'));
    // A cap reached throws SessionLimitError, answered by the app's error handler.
    const release = await options.sessions.admit(owner);
    const transport = new WebSseServerTransport(options.messagesPath, options.keepAliveMs, c.req.raw.signal);
    const server = createMcpServer2025(options.mcpDeps, SITE);
    transport.onclose = () => options.sessions.remove(transport.sessionId);
    options.sessions.add({ id: transport.sessionId, kind: 'sse', transport, owner, lastSeen: Date.now(), close: () => server.close() });
    release(true);
    await server.connect(transport);
    return transport.response;
  };
}

/**
 * `POST /messages?sessionId=…`: a client message for its own stream. No session id → 400 (never
 * routed to "the only session"); unknown, or another subject's → 404. Answers 202; the result
 * travels on the stream.
 */
export function sseMessageHandler(options: SseOptions) {
  return async (c: Ctx): Promise<Response> => {
    const sessionId = c.req.query('sessionId');
    if (!sessionId) return answer(SESSION_ID_REQUIRED);
    const session = options.sessions.find(sessionId, 'sse', ownerOf(c.get('identity')));
    if (!session) return answer(SESSION_NOT_FOUND);

    // Reading here — not in the SDK — so the body limit and the owner check come first.
    const parsed = await readJsonBody(c.req.raw, options.maxBodyBytes);
    if (parsed instanceof Response) return parsed;
    const raw = parsed.body;
    c.set('rpc', raw);
    if (Array.isArray(raw) && raw.length === 0) return answer(EMPTY_BATCH);
    const messages: JSONRPCMessage[] = [];
    for (const item of Array.isArray(raw) ? raw : [raw]) {
      const parsed = JSONRPCMessageSchema.safeParse(item);
      if (!parsed.success) return answer(NOT_JSON_RPC);
      messages.push(parsed.data);
    }
    const authInfo = c.get('authInfo');
    for (const message of messages) session.transport.handleMessage(message, { authInfo });
    return c.text('Accepted', 202);
  };
}
