import {
  Client,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  extractWWWAuthenticateParams,
  PROTOCOL_VERSION_META_KEY,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type ElicitRequest,
  type ElicitResult,
  type FetchLike,
  type Transport,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { CliError } from './errors.js';
import { resilientFetch } from './fetch.js';
import { CLIENT_NAME } from './provider.js';
import type { LoginRequest, Session } from './session.js';

export type TransportKind = 'streamable' | 'sse';

/**
 * Which MCP protocol era to speak: `2026-07-28` pins it (stateless, `server/discover`, per-request
 * `_meta`), `2025` is the 2025 `initialize` handshake, `auto` probes with `server/discover` and
 * falls back to 2025. (The SDK and MCP Inspector call the two `modern` and `legacy`.)
 */
export type ProtocolEraOption = '2026-07-28' | '2025' | 'auto';

/** The era that served a connection: 2026-07-28 or 2025 on Streamable HTTP, 2024-11-05 over HTTP+SSE. */
export type ConnectedEra = '2026-07-28' | '2025' | '2024-11-05';

/** The revision the `2026-07-28` option pins. */
const VERSION_2026_07_28 = '2026-07-28';

export const CLIENT_VERSION = '0.1.0';

/**
 * The SDK's negotiation mode for an era option (the SDK's `legacy` is the `initialize` handshake);
 * the HTTP+SSE transport (2024-11-05) has only that handshake.
 */
export function negotiationMode(era: ProtocolEraOption, kind: TransportKind): VersionNegotiationMode {
  if (kind === 'sse') {
    if (era === '2026-07-28') throw new CliError('usage', '--protocol-era 2026-07-28 needs --transport streamable (HTTP+SSE is a 2024-11-05 transport).');
    return 'legacy';
  }
  if (era === '2026-07-28') return { pin: VERSION_2026_07_28 };
  return era === '2025' ? 'legacy' : 'auto';
}

export interface McpConnection {
  /** The era that served the connection. */
  era: ConnectedEra;
  /** The negotiated protocol revision. */
  protocolVersion: string | undefined;
  /** Pass to every request: its time budget includes a sign-in in the browser (see below). */
  requestOptions: { timeout: number };
}

/** Answers a form elicitation (`elicitation/create`, or a 2026-07-28 `input_required` round). */
export type ElicitHandler = (request: ElicitRequest) => Promise<ElicitResult>;

export interface McpClientOptions {
  transport: TransportKind;
  era?: ProtocolEraOption;
  /** When given, the client declares form elicitation and answers with this. */
  elicit?: ElicitHandler;
}

/**
 * Connects the SDK v2 client to the session's server over the chosen transport and era, with the
 * session's authenticating fetch, runs `fn`, and closes the connection whatever happens.
 */
export async function withMcpClient<T>(
  session: Session,
  options: McpClientOptions,
  fn: (client: Client, connection: McpConnection) => Promise<T>,
): Promise<T> {
  const kind = options.transport;
  const mode = negotiationMode(options.era ?? 'auto', kind);
  await session.ensureFresh();
  const url = new URL(session.serverUrl);
  const transport: Transport =
    kind === 'sse' ? new SSEClientTransport(url, { fetch: session.fetch }) : new StreamableHTTPClientTransport(url, { fetch: session.fetch });
  // A 401 or 403 answer makes the session's fetch sign in (browser, user) before the request is
  // sent again, all inside one SDK request: its timeout (60 s by default) must leave room for that.
  const timeout = session.signInBudgetMs() + 60_000;
  const client = new Client(
    { name: CLIENT_NAME, version: CLIENT_VERSION },
    {
      capabilities: options.elicit ? { elicitation: { form: {} } } : {},
      versionNegotiation: { mode, probe: { timeoutMs: timeout } },
    },
  );
  if (options.elicit) client.setRequestHandler('elicitation/create', options.elicit);
  try {
    await client.connect(transport, { timeout });
    const connection: McpConnection = {
      // The SDK's `getProtocolEra()`: `modern` is 2026-07-28, `legacy` the initialize handshake.
      era: kind === 'sse' ? '2024-11-05' : client.getProtocolEra() === 'modern' ? '2026-07-28' : '2025',
      protocolVersion: client.getNegotiatedProtocolVersion(),
      requestOptions: { timeout },
    };
    return await fn(client, connection);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/**
 * Asks the server, without credentials, what it wants: the `scope` and `resource_metadata` of its
 * 401 challenge (the first step of MCP authorization discovery). The probe is the request the
 * chosen era starts with (`server/discover`, or `initialize`; a GET for HTTP+SSE). A server that
 * does not answer 401 yields an empty request, and discovery then probes the well-known locations.
 */
export async function probeChallenge(
  serverUrl: string,
  kind: TransportKind,
  fetchFn: FetchLike = resilientFetch,
  era: ProtocolEraOption = 'auto',
): Promise<LoginRequest> {
  const clientInfo = { name: CLIENT_NAME, version: CLIENT_VERSION };
  const jsonHeaders = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
  const init: RequestInit =
    kind === 'sse'
      ? { method: 'GET', headers: { accept: 'text/event-stream' } }
      : era === '2025'
        ? {
            method: 'POST',
            headers: jsonHeaders,
            body: JSON.stringify({
              jsonrpc: '2.0',
              id: 0,
              method: 'initialize',
              params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo },
            }),
          }
        : {
            method: 'POST',
            headers: { ...jsonHeaders, 'mcp-protocol-version': VERSION_2026_07_28, 'mcp-method': 'server/discover' },
            body: JSON.stringify({
              jsonrpc: '2.0',
              id: 0,
              method: 'server/discover',
              params: {
                _meta: {
                  [PROTOCOL_VERSION_META_KEY]: VERSION_2026_07_28,
                  [CLIENT_INFO_META_KEY]: clientInfo,
                  [CLIENT_CAPABILITIES_META_KEY]: {},
                },
              },
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
