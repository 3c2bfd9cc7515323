/**
 * mcp-remote (the stdio ↔ remote MCP proxy desktop clients use) driven by a real SDK v1 client over
 * stdio, with dynamic client registration or a pre-registered client (`--static-oauth-client-info`).
 * When mcp-remote prints its "Please authorize this client by visiting: <url>", `authorize(url)` plays
 * the user at the browser and returns the redirect URL with the code; this helper then delivers it to
 * mcp-remote's own callback listener, as the browser would, and fails the connect unless that listener
 * answers 200 (it took the code). mcp-remote runs on Node 22 from .cache/interop-tools, with a
 * throw-away config dir and no way to open a real browser.
 */
import { dirname } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { interopTools } from './tools.js';

export interface McpRemoteOptions {
  serverUrl: string;
  transport: 'http-only' | 'sse-only';
  /** mcp-remote's loopback callback port; its redirect URI is http://localhost:<port>/oauth/callback. */
  callbackPort: number;
  /** A pre-registered client; without one mcp-remote registers itself dynamically. */
  clientId?: string;
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

export async function connectThroughMcpRemote(options: McpRemoteOptions): Promise<McpRemoteSession> {
  const { node22, mcpRemote } = interopTools();
  const args = [mcpRemote, options.serverUrl, String(options.callbackPort), '--transport', options.transport];
  if (options.clientId !== undefined) args.push('--static-oauth-client-info', JSON.stringify({ client_id: options.clientId }));
  const transport = new StdioClientTransport({
    command: node22,
    args,
    // PATH holds only Node 22's folder: mcp-remote's browser launchers (the `open` package → xdg-open)
    // find nothing to open; the URL is taken from its stderr instead.
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
          if (response.status !== 200) throw new Error(`mcp-remote's callback answered ${response.status}, it did not take the authorization code`);
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
