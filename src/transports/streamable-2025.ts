import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { GateVariables } from '../auth/bearer-gate.js';
import { answer } from '../http/answer.js';
import { jsonRpcError, SERVER_ERROR, SESSION_NOT_FOUND } from '../http/jsonrpc.js';
import type { McpDeps } from '../mcp/deps.js';
import { createMcpServer2025 } from '../mcp/server-2025.js';
import { ownerOf, type SessionRegistry } from './sessions.js';

export interface StreamableOptions2025 {
  sessions: SessionRegistry;
  stateless: boolean;
  /** Passed to every MCP server this transport creates. */
  mcpDeps?: McpDeps | undefined;
}

const SITE = { era: '2025', transport: 'streamable-http' } as const;

const STATELESS_POST_ONLY = jsonRpcError(405, SERVER_ERROR, 'Method not allowed in stateless mode', { headers: { allow: 'POST' } });
const SESSION_ID_REQUIRED = jsonRpcError(400, SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required');

/**
 * Closes a stateless exchange's server. The SDK builds a `ConnectionClosed` McpError on every close
 * (Protocol._onclose) to reject the server's own requests still waiting for an answer; after a
 * stateless exchange has answered there are none, so nobody sees that error, and capturing its stack
 * trace was ≈ 50k instructions, 5% of a 2025 call. The SDK builds it synchronously inside close(),
 * before close() first awaits, so the limit is back before any other code runs. Everything else
 * close() does is unchanged (were a request of the server's still waiting, it would get the same
 * error, without a stack trace).
 */
function closeWithoutStack(server: McpServer): void {
  const limit = Error.stackTraceLimit;
  // false where Error is frozen (a hardened realm): then the close simply keeps its stack.
  const quiet = Reflect.set(Error, 'stackTraceLimit', 0);
  try {
    void server.close();
  } finally {
    if (quiet) Error.stackTraceLimit = limit;
  }
}

const isInitialize = (body: unknown) => (Array.isArray(body) ? body.some(isInitializeRequest) : isInitializeRequest(body));

/**
 * 2025-era Streamable HTTP (`POST|GET|DELETE /mcp`) on the SDK v1 web-standard transport. The era
 * router (./era-router.ts) sends it every request `isLegacyRequest` classifies as 2025-era, with
 * the POST body already parsed (`parsedBody`, undefined for GET and DELETE).
 *
 * Stateful: `initialize` opens a session owned by the caller's `iss`+`sub`; every later request
 * names it in `Mcp-Session-Id` and must come from the same subject (else 404, as if unknown).
 * Stateless: each POST gets its own transport and server — a transport is never shared between
 * two requests, so one caller's response can never reach another (CVE-2026-25536).
 */
export function streamableHandler2025(options: StreamableOptions2025) {
  const { sessions } = options;
  return async (request: Request, { identity, authInfo }: GateVariables, parsedBody: unknown): Promise<Response> => {
    const method = request.method;

    if (options.stateless) {
      if (method !== 'POST') return answer(STATELESS_POST_ONLY);
      const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
      const server = createMcpServer2025(options.mcpDeps, SITE);
      await server.connect(transport);
      try {
        return await transport.handleRequest(request, { parsedBody, authInfo });
      } finally {
        // Closed on the next turn: by then the SDK has dropped the request's abort controller, so
        // closing aborts nothing (closing at once built a DOMException + McpError per request).
        setImmediate(closeWithoutStack, server);
      }
    }

    const owner = ownerOf(identity);
    const sessionId = request.headers.get('mcp-session-id') ?? undefined;

    if (sessionId === undefined) {
      if (method !== 'POST' || !isInitialize(parsedBody)) {
        return answer(SESSION_ID_REQUIRED);
      }
      // A cap reached throws SessionLimitError, answered by the app's error handler.
      const release = await sessions.admit(owner);
      const server = createMcpServer2025(options.mcpDeps, SITE);
      const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => {
          sessions.add({ id, kind: 'streamable', transport, owner, lastSeen: Date.now(), close: () => server.close() });
          release(true);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.remove(transport.sessionId);
      };
      try {
        await server.connect(transport);
        return await transport.handleRequest(request, { parsedBody, authInfo });
      } finally {
        release(); // no-op once the session was added; frees the place if initialize failed
      }
    }

    const session = sessions.find(sessionId, 'streamable', owner);
    if (!session) return answer(SESSION_NOT_FOUND);
    return session.transport.handleRequest(request, { parsedBody, authInfo });
  };
}
