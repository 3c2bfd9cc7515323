/**
 * One replica for the cluster tests: `startServer(process.env)` as `src/index.ts` runs it, plus a
 * test-only count of the calls it makes to the IdP's userinfo endpoint (through the `fetch` option
 * the server takes for its IdP calls, so no production path carries a hook): one `upstream
 * userinfo` line on stdout per call. SIGTERM closes it as `src/index.ts` does.
 */
import { startServer } from '../../src/start/start-server.js';

const countingFetch: typeof fetch = (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  if (url.pathname.endsWith('/me')) process.stdout.write('upstream userinfo\n');
  return fetch(input, init);
};

const server = await startServer(process.env, { fetch: countingFetch, banner: false });
await server.ready;
process.stdout.write(`ready ${server.port}\n`);
const stop = () => {
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  void server.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
