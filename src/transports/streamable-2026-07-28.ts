import { createMcpHandler, type McpHttpHandler, type McpServer } from '@modelcontextprotocol/server';
import type { Logger } from '../log.js';
import type { McpDeps } from '../mcp/deps.js';
import { createMcpServer2026_07_28 } from '../mcp/server-2026-07-28.js';

export interface StreamableOptions2026_07_28 {
  maxBodyBytes: number;
  logger: Logger;
  /** Test seam: adds to every 2026-07-28 server instance (see createMcpServer2026_07_28). */
  extendServer?: ((server: McpServer) => void) | undefined;
  /** Passed to every MCP server this handler creates. */
  mcpDeps?: McpDeps | undefined;
}

/**
 * The 2026-07-28 leg of `/mcp`: the SDK v2 `createMcpHandler`, strict (`legacy: 'reject'`: 2025-era
 * traffic never reaches it — the era router sends that to ./streamable-2025.ts). Stateless by the
 * protocol: every request gets a fresh server from the factory and its own single-exchange
 * transport, so a response can never reach another caller. The SDK owns the protocol checks
 * (`_meta` envelope, `MCP-Protocol-Version` / `Mcp-Method` / `Mcp-Name` against the body,
 * unsupported versions); the bearer gate in front owns authentication and hands over `authInfo`.
 */
export function streamableHandler2026_07_28(options: StreamableOptions2026_07_28): McpHttpHandler {
  return createMcpHandler(() => createMcpServer2026_07_28(options.mcpDeps, options.extendServer), {
    legacy: 'reject',
    maxRequestBodySize: options.maxBodyBytes,
    // Rejected requests are the client's mistake and already answered: debug, like refused tokens.
    onerror: (error) => options.logger.debug({ err: { name: error.name, message: error.message } }, 'mcp 2026-07-28 request refused'),
  });
}
