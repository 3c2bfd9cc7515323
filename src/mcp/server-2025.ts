import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { McpDeps } from './deps.js';
import { CAPABILITIES, INSTRUCTIONS, SERVER_INFO } from './info.js';
import { runObserved, type ToolSite } from './observed-tool.js';
import { whoamiTool } from './tools/whoami.js';

/**
 * One JSON-schema validator for every server. The SDK builds a new Ajv (with all its formats) per
 * `Server` unless given one — the largest cost of a stateless request. It holds compiled schemas
 * only (no connection, no request state), so sharing it cannot mix two callers' messages.
 */
let validator: AjvJsonSchemaValidator | undefined;

/**
 * A fresh SDK v1 MCP server with the `whoami` tool, for the 2025 eras (Streamable HTTP with
 * `initialize`) and — on the same SDK — 2024-11-05 HTTP+SSE; `site` says which one. One per
 * session (or per stateless request).
 */
export function createMcpServer2025(deps: McpDeps = {}, site: ToolSite): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: CAPABILITIES,
    jsonSchemaValidator: (validator ??= new AjvJsonSchemaValidator()),
    instructions: INSTRUCTIONS,
  });
  server.registerTool(whoamiTool.name, whoamiTool.config, (extra) =>
    runObserved(whoamiTool.name, site, deps.observer, extra.authInfo, () => whoamiTool.handler(extra.authInfo, deps)),
  );
  // McpServer re-registers every capability it installs handlers for with `listChanged: true`
  // (sdk/server/mcp.js, setToolRequestHandlers & co., run from its constructor and registerTool).
  // Registering the declared ones last (the SDK's Server.registerCapabilities, before any connect)
  // merges them over that, so initialize announces exactly CAPABILITIES, as server/discover does.
  server.server.registerCapabilities(CAPABILITIES);
  return server;
}
