import { createMcpHandler, type McpHttpHandler, type McpServer } from '@modelcontextprotocol/server';
import type { Logger } from '../log.js';
import { createModernMcpServer } from '../mcp/modern-server.js';
import type { McpDeps } from '../mcp/server.js';

export interface ModernOptions {
  maxBodyBytes: number;
  logger: Logger;
  /** Test seam: adds to every 2026-07-28 server instance (see createModernMcpServer). */
  extendServer?: ((server: McpServer) => void) | undefined;
  /** Passed to every MCP server this handler creates. */
  mcp?: McpDeps | undefined;
}

/**
 * The 2026-07-28 leg of `/mcp`: the SDK v2 `createMcpHandler`, strict (`legacy: 'reject'`: 2025-era
 * traffic never reaches it — the era router sends that to ./streamable.ts). Stateless by the
 * protocol: every request gets a fresh server from the factory and its own single-exchange
 * transport, so a response can never reach another caller. The SDK owns the protocol checks
 * (`_meta` envelope, `MCP-Protocol-Version` / `Mcp-Method` / `Mcp-Name` against the body,
 * unsupported versions); the bearer gate in front owns authentication and hands over `authInfo`.
 */
export function modernHandler(options: ModernOptions): McpHttpHandler {
  return createMcpHandler(() => createModernMcpServer(options.mcp, options.extendServer), {
    legacy: 'reject',
    maxRequestBodySize: options.maxBodyBytes,
    // Rejected requests are the client's mistake and already answered: debug, like refused tokens.
    onerror: (error) => options.logger.debug({ err: { name: error.name, message: error.message } }, 'mcp 2026-07-28 request refused'),
  });
}
