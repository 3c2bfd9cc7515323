/**
 * The SDK alone over HTTP: what a server on this stack pays before any of our own request work.
 * hono + @hono/node-server (as the server and the baseline), `POST /mcp` → the body parsed
 * (`c.req.json()`, hono's fast path) → the era's SDK handler, built as the server builds it (our
 * factories, so the same whoami), with a fixed `authInfo` — no guard, no bearer gate, no era router,
 * no request log. SDK_HTTP_ERA picks the leg:
 *  - `2026-07-28`: the strict SDK v2 `createMcpHandler` (src/transports/streamable-2026-07-28.ts),
 *    `handler.fetch(c.req.raw, { authInfo, parsedBody })` as the SDK documents mounting it on hono;
 *  - `2025`: the per-request SDK v1 server + transport (src/transports/streamable-2025.ts, stateless).
 * The difference between this row and the server's row of the same era is what the server adds on
 * top of the SDK and HTTP: the guard, the gate, the era router's classification, the log.
 * Experiments (the variables pass through bench/run.ts): SDK_HTTP_PRELOAD=1 loads the whole server's
 * modules first, unused; SDK_HTTP_CLASSIFY=1 asks the SDK's isLegacyRequest first, as the era router does.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type * as SessionsModule from '../../src/transports/sessions.js';
import type * as StreamableModule2025 from '../../src/transports/streamable-2025.js';
import type * as StreamableModule2026_07_28 from '../../src/transports/streamable-2026-07-28.js';
import { gateStandIn, silentLogger } from './gate-stand-in.js';
import { distUrl, serveStats } from './ipc.js';

const era = process.env['SDK_HTTP_ERA'];
if (era !== '2026-07-28' && era !== '2025') throw new Error('SDK_HTTP_ERA must be 2026-07-28 or 2025');

// The sub is the one the bench's token carries, so the parent checks the answers as for the server.
const { identity, authInfo } = gateStandIn(process.env['SDK_HTTP_SUB']);

// SDK_HTTP_PRELOAD=1 (an experiment): load the whole server's module graph first, unused — both SDKs,
// jose, pino, Logto's libraries — to see what a larger process costs the same calls.
if (process.env['SDK_HTTP_PRELOAD'] === '1') await import(distUrl('start/start-server.js'));

const app = new Hono();
// SDK_HTTP_CLASSIFY=1 (an experiment): ask the SDK's isLegacyRequest first, as the era router does,
// and check it routes this call to this era — the classification's cost inside a server.
const classify = process.env['SDK_HTTP_CLASSIFY'] === '1' ? (await import('@modelcontextprotocol/server')).isLegacyRequest : undefined;
const routed = async (request: Request, parsedBody: unknown): Promise<void> => {
  if (classify && (await classify(request, parsedBody, { maxRequestBodySize: 1024 * 1024 })) !== (era === '2025')) throw new Error('isLegacyRequest routed this call to the other era');
};

if (era === '2026-07-28') {
  const { streamableHandler2026_07_28 } = (await import(distUrl('transports/streamable-2026-07-28.js'))) as typeof StreamableModule2026_07_28;
  const handler = streamableHandler2026_07_28({ maxBodyBytes: 1024 * 1024, logger: silentLogger as never });
  app.post('/mcp', async (c) => {
    const parsedBody: unknown = await c.req.json();
    await routed(c.req.raw, parsedBody);
    return handler.fetch(c.req.raw, { authInfo, parsedBody });
  });
} else {
  const { streamableHandler2025 } = (await import(distUrl('transports/streamable-2025.js'))) as typeof StreamableModule2025;
  const { SessionRegistry } = (await import(distUrl('transports/sessions.js'))) as typeof SessionsModule;
  // Stateless: the registry is never used (no sessions).
  const handler = streamableHandler2025({ sessions: new SessionRegistry({ idleTimeoutMs: 60_000, maxSessions: 1, maxPerOwner: 1 }), stateless: true });
  app.post('/mcp', async (c) => {
    const parsedBody: unknown = await c.req.json();
    await routed(c.req.raw, parsedBody);
    return handler(c.req.raw, { identity, authInfo } as Parameters<typeof handler>[1], parsedBody);
  });
}

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  serveStats({}, () => new Promise<void>((resolve) => server.close(() => resolve())));
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${info.port}`, mcpUrl: `http://127.0.0.1:${info.port}/mcp` });
});
