import { isLegacyRequest, type McpServer } from '@modelcontextprotocol/server';
import type { Context } from 'hono';
import type { GateVariables } from '../auth/bearer-gate.js';
import { readJsonBody } from '../http/body.js';
import type { RpcVariables } from '../http/jsonrpc.js';
import type { Logger } from '../log.js';
import type { McpDeps } from '../mcp/deps.js';
import type { Era } from '../observe/observer.js';
import type { SessionRegistry } from './sessions.js';
import { streamableHandler2025 } from './streamable-2025.js';
import { streamableHandler2026_07_28 } from './streamable-2026-07-28.js';

export interface EraRouterOptions {
  sessions: SessionRegistry;
  /** 2025-era requests without sessions (MCP_STATELESS); the 2026-07-28 era is always stateless. */
  stateless: boolean;
  maxBodyBytes: number;
  logger: Logger;
  /** Test seam, passed to the 2026-07-28 handler. */
  extendServer2026_07_28?: ((server: McpServer) => void) | undefined;
  /** Passed to every MCP server, whatever the era. */
  mcpDeps?: McpDeps | undefined;
}

/** Which protocol era served the request (for the request log): `2026-07-28` or `2025` (SDK v1). */
export type EraVariables = { era: Exclude<Era, '2024-11-05'> };

type Ctx = Context<{ Variables: GateVariables & EraVariables & RpcVariables }>;

/**
 * `/mcp` behind the gate: the SDK's own `isLegacyRequest` (the SDK's word for 2025-era) decides the
 * era, so the routing can never disagree with `createMcpHandler`. 2025-era traffic (`initialize`,
 * session requests, GET/DELETE, anything without the `_meta` envelope claim) → the sessionful SDK v1
 * handler; everything else — including malformed 2026-07-28 requests, whose errors the 2026-07-28
 * handler owns — → the SDK v2 handler.
 * The body is read once, under `maxBodyBytes`, and handed to both as `parsedBody`.
 */
export function eraRouter(options: EraRouterOptions) {
  const handle2025 = streamableHandler2025({ sessions: options.sessions, stateless: options.stateless, mcpDeps: options.mcpDeps });
  const handle2026_07_28 = streamableHandler2026_07_28({ maxBodyBytes: options.maxBodyBytes, logger: options.logger, mcpDeps: options.mcpDeps, extendServer: options.extendServer2026_07_28 });
  return async (c: Ctx): Promise<Response> => {
    let parsedBody: unknown;
    if (c.req.method === 'POST') {
      const parsed = await readJsonBody(c.req.raw, options.maxBodyBytes);
      if (parsed instanceof Response) return parsed;
      parsedBody = parsed.body;
      c.set('rpc', parsedBody);
    }
    if (await isLegacyRequest(c.req.raw, parsedBody, { maxRequestBodySize: options.maxBodyBytes })) {
      c.set('era', '2025');
      return handle2025(c.req.raw, { identity: c.get('identity'), authInfo: c.get('authInfo') }, parsedBody);
    }
    c.set('era', '2026-07-28');
    return handle2026_07_28.fetch(c.req.raw, { authInfo: c.get('authInfo'), parsedBody });
  };
}
