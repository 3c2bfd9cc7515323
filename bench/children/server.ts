/**
 * The server under test, as `node dist/index.js` runs it (same `startServer(process.env)` from the
 * built `dist/`), plus a bench-only IPC channel: upstream calls are counted through the `fetch`
 * option the server already takes for its IdP calls, so no production path carries a hook.
 */
import type * as ServerModule from '../../src/start/start-server.js';
import { distUrl, serveStats } from './ipc.js';

const { startServer } = (await import(distUrl('start/start-server.js'))) as typeof ServerModule;

const upstream: Record<string, number> = {};
const countingFetch: typeof fetch = (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const kind = url.pathname.endsWith('/me')
    ? 'userinfo'
    : url.pathname.endsWith('/jwks')
      ? 'jwks'
      : url.pathname.includes('/.well-known/')
        ? 'discovery'
        : 'other';
  upstream[kind] = (upstream[kind] ?? 0) + 1;
  return fetch(input, init);
};

const server = await startServer(process.env, { fetch: countingFetch, banner: false });
await server.ready;
serveStats(upstream, () => server.close());
process.send?.({ type: 'ready', port: String(server.port), url: server.url, mcpUrl: server.mcpUrl, sseUrl: server.sseUrl, issuer: server.issuer, resource: server.resources.mcp });
