import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManagementApiError } from '../../src/logto/errors.js';
import { createM2mToken, type AccessTokenSource } from '../../src/logto/m2m-token.js';

/** A source that answers each request when the test says so, counting requests. */
function controlledSource() {
  const calls: Array<(v: { value: string; expiresAt: number; scope?: string }) => void> = [];
  const source: AccessTokenSource = {
    getAccessToken: () => new Promise((resolve) => calls.push(resolve)),
  };
  return { source, calls };
}

describe('M2M token wrapper (single-flight, timeout, invalidation)', () => {
  it('concurrent cold callers share one token request', async () => {
    const { source, calls } = controlledSource();
    const token = createM2mToken({ createSource: () => source, timeoutMs: 5_000 });
    const waiting = Promise.all(Array.from({ length: 20 }, () => token.get()));
    await new Promise((r) => setImmediate(r));
    assert.equal(calls.length, 1);
    calls[0]!({ value: 'tok-1', expiresAt: Date.now() / 1000 + 3600, scope: 'all' });
    assert.deepEqual(new Set(await waiting), new Set(['tok-1']));
  });

  it('a hung token request times out as ManagementApiError(timeout) and the next caller starts a new one', async () => {
    const { source, calls } = controlledSource();
    const token = createM2mToken({ createSource: () => source, timeoutMs: 50 });
    await assert.rejects(token.get(), (e: unknown) => e instanceof ManagementApiError && e.code === 'timeout');
    const next = token.get();
    await new Promise((r) => setImmediate(r));
    assert.equal(calls.length, 2);
    calls[1]!({ value: 'tok-2', expiresAt: 0, scope: 'all' });
    assert.equal(await next, 'tok-2');
  });

  it("a failed token request is token_failed, is not remembered, and repeats no foreign error's words", async () => {
    let n = 0;
    const token = createM2mToken({
      createSource: () => ({
        getAccessToken: async () => {
          n++;
          if (n === 1) throw new ManagementApiError('token_failed', 'the M2M token endpoint answered HTTP 401: invalid_client');
          if (n === 2) throw new Error('Failed to fetch access token: 401 echoed-secret');
          return { value: 'ok', expiresAt: 0, scope: 'all' };
        },
      }),
      timeoutMs: 1_000,
    });
    await assert.rejects(token.get(), (e: unknown) => e instanceof ManagementApiError && e.code === 'token_failed' && /401: invalid_client/.test(e.message));
    await assert.rejects(token.get(), (e: unknown) => e instanceof ManagementApiError && e.code === 'token_failed' && !e.message.includes('echoed-secret'));
    assert.equal(await token.get(), 'ok');
  });

  it('invalidate() builds a fresh source; a scope other than `all` is reported once per token', async () => {
    let built = 0;
    const mismatches: Array<string | undefined> = [];
    const token = createM2mToken({
      createSource: () => {
        built++;
        const value = `tok-${built}`;
        return { getAccessToken: async () => ({ value, expiresAt: 0, scope: 'read' }) };
      },
      timeoutMs: 1_000,
      onScopeMismatch: (s) => mismatches.push(s),
    });
    assert.equal(await token.get(), 'tok-1');
    assert.equal(await token.get(), 'tok-1');
    token.invalidate();
    assert.equal(await token.get(), 'tok-2');
    assert.equal(built, 2);
    assert.deepEqual(mismatches, ['read', 'read']);
  });
});
