/**
 * mcp-remote (the stdio ↔ remote MCP proxy desktop clients use) driven by a real SDK v1 client over
 * stdio, with a pre-registered OAuth client (`--static-oauth-client-info`). When mcp-remote prints its
 * "Please authorize this client by visiting: <url>", `authorize(url)` plays the user at the browser and
 * returns the redirect URL with the code; this helper then delivers it to mcp-remote's own callback
 * listener, as the browser would. mcp-remote runs on Node 22 from .cache/interop-tools, with a throw-away
 * config dir and no way to open a real browser.
 */
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { interopTools } from '../interop/helpers/tools.js';

export interface McpRemoteOptions {
  serverUrl: string;
  transport: 'http-only' | 'sse-only';
  /** mcp-remote's loopback callback port; its redirect URI is http://localhost:<port>/oauth/callback. */
  callbackPort: number;
  clientId: string;
  /** MCP_REMOTE_CONFIG_DIR (and HOME): where mcp-remote keeps tokens; use a fresh temp dir. */
  configDir: string;
  /** The user at the browser: from the authorization URL to the redirect URL carrying the code. */
  authorize(authorizationUrl: URL): Promise<URL>;
}

export interface McpRemoteSession {
  client: Client;
  /** Every authorization URL mcp-remote asked the user to visit. */
  authorizationUrls: URL[];
  /** mcp-remote's stderr so far (for failure messages). */
  log(): string;
  close(): Promise<void>;
}

export function mcpRemoteEntry(): { node22: string; proxy: string } {
  const tools = interopTools();
  const root = tools.inspector.slice(0, tools.inspector.indexOf('/node_modules/'));
  return { node22: tools.node22, proxy: join(root, 'node_modules', 'mcp-remote', 'dist', 'proxy.js') };
}

export async function connectThroughMcpRemote(options: McpRemoteOptions): Promise<McpRemoteSession> {
  const { node22, proxy } = mcpRemoteEntry();
  const transport = new StdioClientTransport({
    command: node22,
    args: [
      proxy,
      options.serverUrl,
      String(options.callbackPort),
      '--static-oauth-client-info',
      JSON.stringify({ client_id: options.clientId }),
      '--transport',
      options.transport,
    ],
    // PATH holds only Node 22's folder: mcp-remote's fallback browser launchers find nothing to open.
    env: { PATH: dirname(node22), HOME: options.configDir, MCP_REMOTE_CONFIG_DIR: options.configDir },
    stderr: 'pipe',
  });
  let stderr = '';
  const authorizationUrls: URL[] = [];
  let failSignIn!: (error: unknown) => void;
  const signInFailed = new Promise<never>((_, reject) => (failSignIn = reject));
  signInFailed.catch(() => undefined);
  transport.stderr?.on('data', (chunk: Buffer) => {
    const before = stderr.length;
    stderr += chunk.toString();
    for (const match of stderr.slice(Math.max(0, before - 2048)).matchAll(/Please authorize this client by visiting:\s*\n(\S+)/g)) {
      const url = new URL(match[1]!);
      if (authorizationUrls.some((u) => u.href === url.href)) continue;
      authorizationUrls.push(url);
      void options
        .authorize(url)
        .then(async (callback) => {
          const response = await fetch(callback, { signal: AbortSignal.timeout(30_000) });
          await response.body?.cancel();
        })
        .catch((error: unknown) => failSignIn(new Error(`sign-in failed: ${String(error)}`)));
    }
  });
  const client = new Client({ name: 'mcp-remote-driver', version: '1.0.0' });
  try {
    // A failed sign-in ends the wait at once: mcp-remote would otherwise wait for a callback that never comes.
    await Promise.race([client.connect(transport, { timeout: 120_000 }), signInFailed]);
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw new Error(`mcp-remote did not connect: ${String(error)}\n--- mcp-remote stderr ---\n${stderr.slice(-4000)}`);
  }
  return { client, authorizationUrls, log: () => stderr, close: () => client.close() };
}
