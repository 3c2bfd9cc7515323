import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { createManagementClient } from '../../src/logto/management-client.js';
import { ManagementApiError } from '../../src/logto/errors.js';
import { Secret } from '../../src/secret.js';

/**
 * The Management API timeout must fire even when a garbage collection runs while the request hangs.
 * A Request built from another Request follows its signal through weak references only (undici
 * #4068, nodejs/node#55428): once the copy passed to fetch() is the only one left, a collection cuts the
 * chain and the timeout never aborts the fetch — the whoami call then hangs until the client gives up.
 * Real HTTP on 127.0.0.1: the token endpoint answers, every /api request hangs.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('Management API timeout under garbage collection', () => {
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.url === '/oidc/token') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'm2m-token', token_type: 'Bearer', expires_in: 3600, scope: 'all' }));
      return;
    }
    hanging.add(res);
  });
  let endpoint = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const res of hanging) res.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('a hung request is aborted at timeoutMs although collections ran while it waited', async () => {
    const { api } = createManagementClient({ endpoint, appId: 'm2m', appSecret: new Secret('secret'), resource: 'https://default.logto.app/api', timeoutMs: 300 });
    const pending = api.GET('/api/users/{userId}', { params: { path: { userId: 'u1' } } }).then(
      () => 'answered' as const,
      (error: unknown) => error,
    );
    // Collect while the request hangs, before its timeout is due.
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      gc();
    }
    let guard: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([pending, new Promise((resolve) => (guard = setTimeout(() => resolve('still hanging 5 s later'), 5000)))]);
    clearTimeout(guard);
    assert.ok(outcome instanceof ManagementApiError, `expected a ManagementApiError, got ${String(outcome)}`);
    assert.equal(outcome.code, 'timeout');
  });
});
