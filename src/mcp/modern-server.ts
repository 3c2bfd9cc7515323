import { McpServer } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { INSTRUCTIONS, SERVER_INFO } from './info.js';
import type { McpDeps } from './server.js';
import { whoamiTool } from './tools/whoami.js';

/** Shared for the same reason as in ./server.ts: compiled schemas only, no request state. */
let validator: AjvJsonSchemaValidator | undefined;

/**
 * How long a client may reuse `tools/list` and `server/discover` (2026-07-28 cacheable results).
 * Both answers are the same for every caller (whoami's *result* is per caller and never cached), so
 * `public`; a minute keeps a redeploy visible soon.
 */
const CACHE_HINT = { ttlMs: 60_000, cacheScope: 'public' } as const;

/**
 * A fresh SDK v2 MCP server with the `whoami` tool, for the 2026-07-28 era (stateless, one per
 * request, created by `createMcpHandler`). The tool is the same definition the v1 server registers.
 */
export function createModernMcpServer(deps: McpDeps = {}): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {} },
    jsonSchemaValidator: (validator ??= new AjvJsonSchemaValidator()),
    instructions: INSTRUCTIONS,
    cacheHints: { 'tools/list': CACHE_HINT, 'server/discover': CACHE_HINT },
  });
  server.registerTool(whoamiTool.name, whoamiTool.config, (ctx) => whoamiTool.handler(ctx.http?.authInfo, deps));
  return server;
}
