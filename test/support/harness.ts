import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Writable } from 'node:stream';
import { DEV_USERS } from '../../src/dev-idp/index.js';
import { getDevToken } from '../../src/dev-idp/token-helper.js';
import { startServer, type RunningServer } from '../../src/start/start-server.js';

/** Everything a log line ever said, to prove tokens never appear in it. */
export class LogCapture extends Writable {
  readonly chunks: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.chunks.push(chunk.toString('utf8'));
    done();
  }
  get text(): string {
    return this.chunks.join('');
  }
  /**
   * The `era` (`2026-07-28` or `2025`) of every authenticated /mcp request logged
   * since chunk `from` (a `chunks.length` taken before; LOG_LEVEL info or lower). Only requests that
   * passed the bearer gate (their line has a `sub`) reach the era router, so each of these names one.
   */
  mcpErasSince(from: number): Array<string | undefined> {
    return this.chunks
      .slice(from)
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"msg":"request"') && line.includes('"path":"/mcp"'))
      .map((line) => JSON.parse(line) as { sub?: string; era?: string })
      .filter((entry) => entry.sub !== undefined)
      .map((entry) => entry.era);
  }
}

/** Our server + its embedded dev IdP on free loopback ports. */
export async function startTestServer(env: Record<string, string> = {}): Promise<RunningServer & { logs: LogCapture }> {
  const logs = new LogCapture();
  const server = await startServer({ PORT: '0', DEV_IDP_PORT: '0', LOG_LEVEL: 'debug', ...env }, { logDestination: logs, banner: false });
  await server.ready;
  return Object.assign(server, { logs });
}

export function password(username: string): string {
  const user = DEV_USERS.find((u) => u.username === username);
  if (!user) throw new Error(`no demo user ${username}`);
  return user.password;
}

/** A real token for a demo user, through the dev IdP's authorization-code + PKCE flow. */
export async function tokenFor(server: RunningServer, username: string, kind: 'jwt' | 'opaque', scope?: string): Promise<string> {
  const set = await getDevToken({
    issuer: server.issuer,
    username,
    password: password(username),
    ...(kind === 'jwt' ? { resource: server.resources.mcp } : {}),
    ...(scope ? { scope } : {}),
  });
  return set.access_token;
}

export type TransportKind = 'streamable' | 'sse';

/** A connected SDK v1 client sending `Authorization: Bearer <token>`. */
export async function connectClient(server: RunningServer, kind: TransportKind, token: string): Promise<Client> {
  const headers = { Authorization: `Bearer ${token}` };
  const transport =
    kind === 'streamable'
      ? new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers } })
      : new SSEClientTransport(new URL(server.sseUrl), {
          requestInit: { headers },
          // The SSE GET goes through EventSource, which needs the header too.
          eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
        });
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Calls whoami and returns its structured result. */
export async function whoami(client: Client): Promise<Record<string, unknown>> {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  if (result.isError) throw new Error(`whoami failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, unknown>;
}

/** whoami once as `token`, over a Streamable HTTP client opened for it and closed after. */
export async function whoamiAs(server: RunningServer, token: string): Promise<Record<string, unknown>> {
  const client = await connectClient(server, 'streamable', token);
  try {
    return await whoami(client);
  } finally {
    await client.close();
  }
}

/** A port that was free a moment ago (for tests that must know the URL before the server starts). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** POST a JSON-RPC message to /mcp with arbitrary headers; returns status, headers and parsed body. */
export async function postMcp(url: string, headers: Record<string, string>, body: unknown = initializeRequest()) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as Record<string, unknown> | undefined };
}

export function initializeRequest(id: number | string = 1) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };
}
