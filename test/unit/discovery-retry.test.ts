import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from '../../src/start/start-server.js';

describe('discovery retries in the background', () => {
  it('a retry that hits a permanent error (404) is logged, keeps /readyz red, and never crashes', async () => {
    let calls = 0;
    const fetchFn = (async () => {
      calls++;
      if (calls === 1) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
      return new Response('not found', { status: 404 });
    }) as typeof fetch;
    const server = await startServer({ PORT: '0', LOGTO_ENDPOINT: 'https://tenant.example', LOG_LEVEL: 'silent' }, { fetch: fetchFn, banner: false });
    try {
      await sleep(1_300); // the first retry runs after 1 s
      assert.equal(calls, 2);
      const r = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      assert.equal(r.status, 503);
    } finally {
      await server.close();
    }
  });

  it('close() during the retry backoff stops retrying', async () => {
    let calls = 0;
    const fetchFn = (async () => {
      calls++;
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    }) as typeof fetch;
    const server = await startServer({ PORT: '0', LOGTO_ENDPOINT: 'https://tenant.example', LOG_LEVEL: 'silent' }, { fetch: fetchFn, banner: false });
    await server.close();
    await sleep(1_300);
    assert.equal(calls, 1);
  });
});
