import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CLIENT_NAME } from './provider.js';
import type { LoginRequest, Session } from './session.js';

export type TransportKind = 'streamable' | 'sse';

export const CLIENT_VERSION = '0.1.0';

/**
 * Connects an MCP client to the session's server over the chosen transport, with the session's
 * authenticating fetch, runs `fn`, and closes the connection whatever happens.
 */
export async function withMcpClient<T>(session: Session, kind: TransportKind, fn: (client: Client) => Promise<T>): Promise<T> {
  await session.ensureFresh();
  const url = new URL(session.serverUrl);
  const transport: Transport =
    kind === 'sse' ? new SSEClientTransport(url, { fetch: session.fetch }) : new StreamableHTTPClientTransport(url, { fetch: session.fetch });
  const client = new Client({ name: CLIENT_NAME, version: CLIENT_VERSION }, { capabilities: {} });
  try {
    await client.connect(transport);
    return await fn(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/**
 * Asks the server, without credentials, what it wants: the `scope` and `resource_metadata` of its
 * 401 challenge (the first step of MCP authorization discovery). A server that does not answer
 * 401 yields an empty request, and discovery then probes the well-known locations.
 */
export async function probeChallenge(serverUrl: string, kind: TransportKind, fetchFn: FetchLike = fetch): Promise<LoginRequest> {
  const init: RequestInit =
    kind === 'sse'
      ? { method: 'GET', headers: { accept: 'text/event-stream' } }
      : {
          method: 'POST',
          headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 0,
            method: 'initialize',
            params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: CLIENT_NAME, version: CLIENT_VERSION } },
          }),
        };
  let response: Response;
  try {
    response = await fetchFn(serverUrl, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch {
    return {};
  }
  await response.body?.cancel().catch(() => undefined);
  if (response.status !== 401) return {};
  const { scope, resourceMetadataUrl } = extractWWWAuthenticateParams(response);
  return { scope, resourceMetadataUrl };
}
