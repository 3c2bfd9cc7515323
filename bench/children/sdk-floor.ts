/**
 * The SDK's own share of a 2026-07-28 call, measured without HTTP, without authentication and
 * without our gate: `createMcpHandler(...).fetch(request, { parsedBody, authInfo })` in a loop, in
 * this process alone. What one core can do through the SDK v2 entry is the ceiling of the
 * `2026-07-28-*` rows, whatever the server around it does. Three loops, each after a warm-up:
 *  - `request`: building the web `Request` the handler is given and reading its body (subtracted);
 *  - `whoami`: our handler (src/transports/streamable-2026-07-28.ts) with our whoami, an identity in `authInfo`;
 *  - `trivial`: the SDK's documented minimum — a factory registering one tool with no schemas;
 *  - `whoamiOverlapping`: `whoami` with 10 calls in flight at once, as the bench's 10 connections
 *    overlap on the server (cpu-per-call.ts's cpuMsPerOverlappingCall);
 *  - `classify`: the SDK's `isLegacyRequest` on the parsed body, as the era router asks it in front
 *    of the strict handler (the SDK's documented way to serve 2025 sessions beside 2026-07-28; the
 *    handler then classifies the request again inside — the part of a call that no floor loop has).
 * Bounded: a fixed number of calls per loop (BENCH_FLOOR_CALLS, default 10,000).
 */
import type * as Sdk from '@modelcontextprotocol/server';
import type * as StreamableModule2026_07_28 from '../../src/transports/streamable-2026-07-28.js';
import { cpuMsPerCall as cpuPerCall, cpuMsPerOverlappingCall } from './cpu-per-call.js';
import { gateStandIn, silentLogger } from './gate-stand-in.js';
import { distUrl, serveStats } from './ipc.js';
import { WHOAMI_HEADERS_2026_07_28, whoamiCall2026_07_28 } from './call-2026-07-28.js';

const { streamableHandler2026_07_28 } = (await import(distUrl('transports/streamable-2026-07-28.js'))) as typeof StreamableModule2026_07_28;
const { createMcpHandler, isLegacyRequest, McpServer } = (await import('@modelcontextprotocol/server')) as typeof Sdk;

const CALLS = Number(process.env['BENCH_FLOOR_CALLS'] ?? 10_000);
const WARMUP = Math.ceil(CALLS / 5);

const body = whoamiCall2026_07_28(1);
const text = JSON.stringify(body);
const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...WHOAMI_HEADERS_2026_07_28 };
const request = () => new Request('http://127.0.0.1/mcp', { method: 'POST', headers, body: text });

const { claims, authInfo } = gateStandIn();
const ours = streamableHandler2026_07_28({ maxBodyBytes: 1024 * 1024, logger: silentLogger as never });
const trivial = createMcpHandler(
  () => {
    const server = new McpServer({ name: 'floor', version: '1' });
    server.registerTool('whoami', { description: 'trivial' }, () => ({ content: [{ type: 'text', text: 'ok' }] }));
    return server;
  },
  { legacy: 'reject' },
);

/** CPU milliseconds per call of `one`, after a warm-up (cpu-per-call.ts). */
const cpuMsPerCall = (one: () => Promise<string>, expect: string) => cpuPerCall(one, expect, { calls: CALLS, warmup: WARMUP });

/** The era router's question (src/transports/era-router.ts), with the body already parsed: nothing is read or cloned. */
async function classifyMsPerCall(req: Request, parsedBody: unknown, expect: string): Promise<number> {
  return cpuMsPerCall(async () => String(await isLegacyRequest(req, parsedBody, { maxRequestBodySize: 1024 * 1024 })), expect);
}

const call = (handler: { fetch: typeof ours.fetch }) => async () => (await handler.fetch(request(), { parsedBody: body, authInfo } as never)).text();
const result = {
  request: await cpuMsPerCall(() => request().text(), 'tools/call'),
  whoami: await cpuMsPerCall(call(ours), `"sub":"${claims.sub}"`),
  trivial: await cpuMsPerCall(call(trivial), '"text":"ok"'),
  classify: await classifyMsPerCall(request(), body, 'false'),
  whoamiOverlapping: await cpuMsPerOverlappingCall(call(ours), `"sub":"${claims.sub}"`, { calls: CALLS, warmup: WARMUP, inFlight: 10 }),
  calls: CALLS,
};
serveStats({}, async () => {});
process.send?.({ type: 'ready', ...Object.fromEntries(Object.entries(result).map(([k, v]) => [k, String(v)])) });
