/**
 * The SDK v1 share of a 2025-era stateless call, measured as sdk-floor.ts measures the v2 entry:
 * no HTTP, no authentication, no gate, in this process alone. A 2025 `tools/call whoami` (no `_meta`
 * envelope, `MCP-Protocol-Version: 2025-06-18`) through the per-request v1 server and transport, in a
 * loop. Three loops, each after a warm-up:
 *  - `request`: building the web `Request` the handler is given and reading its body (included in
 *    the other two, as in sdk-floor.ts);
 *  - `whoami`: our stateless handler (src/transports/streamable-2025.ts: a new `McpServer` with our whoami
 *    and a `WebStandardStreamableHTTPServerTransport` per request, closed on the next turn);
 *  - `trivial`: the SDK's documented stateless minimum — a new `McpServer` with one schema-less tool
 *    and a new transport per request, `connect`, `handleRequest`, `close`;
 *  - `whoamiOverlapping`: `whoami` with 10 calls in flight at once, as the bench's 10 connections
 *    overlap on the server (cpu-per-call.ts's cpuMsPerOverlappingCall);
 *  - `classify`: the SDK v2 `isLegacyRequest` on the parsed body — the era router's question that
 *    sends a 2025 request here (answered `true`), a cost no floor loop has.
 * Every call yields to the event loop once (the stateless server is closed on the next turn, as in
 * the server). Bounded: BENCH_FLOOR_CALLS per loop (default 10,000).
 */
import type * as SdkV2 from '@modelcontextprotocol/server';
import type * as SdkMcp from '@modelcontextprotocol/sdk/server/mcp.js';
import type * as SdkTransport from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type * as SessionsModule from '../../src/transports/sessions.js';
import type * as StreamableModule2025 from '../../src/transports/streamable-2025.js';
import { cpuMsPerCall as cpuPerCall, cpuMsPerOverlappingCall } from './cpu-per-call.js';
import { gateStandIn } from './gate-stand-in.js';
import { distUrl, serveStats } from './ipc.js';

const { streamableHandler2025 } = (await import(distUrl('transports/streamable-2025.js'))) as typeof StreamableModule2025;
const { SessionRegistry } = (await import(distUrl('transports/sessions.js'))) as typeof SessionsModule;
const { McpServer } = (await import('@modelcontextprotocol/sdk/server/mcp.js')) as typeof SdkMcp;
const { isLegacyRequest } = (await import('@modelcontextprotocol/server')) as typeof SdkV2;
const { WebStandardStreamableHTTPServerTransport } = (await import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js')) as typeof SdkTransport;

const CALLS = Number(process.env['BENCH_FLOOR_CALLS'] ?? 10_000);
const WARMUP = Math.ceil(CALLS / 5);

const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } };
const text = JSON.stringify(body);
const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
const request = () => new Request('http://127.0.0.1/mcp', { method: 'POST', headers, body: text });

const { claims, identity, authInfo } = gateStandIn();

// Stateless: the registry is never used (no sessions); its sweeper is stopped at once.
const sessions = new SessionRegistry({ idleTimeoutMs: 60_000, maxSessions: 1, maxPerOwner: 1 });
const ours = streamableHandler2025({ sessions, stateless: true });
const trivial = async (req: Request): Promise<Response> => {
  const server = new McpServer({ name: 'floor', version: '1' });
  server.registerTool('whoami', { description: 'trivial' }, () => ({ content: [{ type: 'text', text: 'ok' }] }));
  const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
  await server.connect(transport);
  try {
    return await transport.handleRequest(req, { parsedBody: body });
  } finally {
    setImmediate(() => void server.close());
  }
};

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** CPU milliseconds per call of `one`, after a warm-up (cpu-per-call.ts). */
const cpuMsPerCall = (one: () => Promise<string>, expect: string) => cpuPerCall(one, expect, { calls: CALLS, warmup: WARMUP });

/** One request for the classification loop: with the body already parsed nothing is read or cloned. */
const classified = request();

const result = {
  request: await cpuMsPerCall(async () => {
    const t = await request().text();
    await nextTurn();
    return t;
  }, 'tools/call'),
  whoami: await cpuMsPerCall(async () => {
    const t = await (await ours(request(), { identity, authInfo } as never, body)).text();
    await nextTurn();
    return t;
  }, `"sub":"${claims.sub}"`),
  trivial: await cpuMsPerCall(async () => {
    const t = await (await trivial(request())).text();
    await nextTurn();
    return t;
  }, '"text":"ok"'),
  whoamiOverlapping: await cpuMsPerOverlappingCall(
    async () => {
      const t = await (await ours(request(), { identity, authInfo } as never, body)).text();
      await nextTurn();
      return t;
    },
    `"sub":"${claims.sub}"`,
    { calls: CALLS, warmup: WARMUP, inFlight: 10 },
  ),
  classify: await cpuMsPerCall(async () => String(await isLegacyRequest(classified, body, { maxRequestBodySize: 1024 * 1024 })), 'true'),
  calls: CALLS,
};
await sessions.closeAll();
serveStats({}, async () => {});
process.send?.({ type: 'ready', ...Object.fromEntries(Object.entries(result).map(([k, v]) => [k, String(v)])) });
