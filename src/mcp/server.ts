import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerWhoami } from './tools/whoami.js';

export const SERVER_INFO = { name: 'logto-whoami-mcp', version: '0.1.0' } as const;

/** A fresh MCP server with the `whoami` tool. One per session (or per stateless request). */
export function createMcpServer(): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {} },
    instructions: 'Call the whoami tool to see who you are signed in as (via Logto).',
  });
  registerWhoami(server);
  return server;
}
