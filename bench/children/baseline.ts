/**
 * The ceiling: hono + @hono/node-server answering POST /mcp with a fixed JSON-RPC reply
 * (BASELINE_BODY, the same bytes the real server sends), no auth, no SDK.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { serveStats } from './ipc.js';

const body = process.env['BASELINE_BODY'] ?? '{}';
const app = new Hono();
app.post('/mcp', (c) => c.body(body, 200, { 'content-type': 'application/json' }));

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  serveStats({}, () => new Promise<void>((resolve) => server.close(() => resolve())));
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${info.port}`, mcpUrl: `http://127.0.0.1:${info.port}/mcp` });
});
