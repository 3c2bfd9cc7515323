import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { registerWhoami, type WhoamiDeps } from './tools/whoami.js';

export const SERVER_INFO = { name: 'logto-whoami-mcp', version: '0.1.0' } as const;

/**
 * One JSON-schema validator for every server. The SDK builds a new Ajv (with all its formats) per
 * `Server` unless given one — the largest cost of a stateless request. It holds compiled schemas
 * only (no connection, no request state), so sharing it cannot mix two callers' messages.
 */
let validator: AjvJsonSchemaValidator | undefined;

/** What the tools need from the running server (the same for every session). */
export type McpDeps = WhoamiDeps;

/** A fresh MCP server with the `whoami` tool. One per session (or per stateless request). */
export function createMcpServer(deps: McpDeps = {}): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {} },
    jsonSchemaValidator: (validator ??= new AjvJsonSchemaValidator()),
    instructions: 'Call the whoami tool to see who you are signed in as (via Logto).',
  });
  registerWhoami(server, deps);
  return server;
}
