import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { getHeapSnapshot, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createAuthenticator, type AuthenticatorOptions } from '../../src/auth/authenticate.js';
import { DEFAULT_OPAQUE_LENGTH } from '../../src/auth/token-shape.js';

const SHAPE = { algorithms: ['ES384'], opaqueLength: DEFAULT_OPAQUE_LENGTH };
import { tokenHash } from '../../src/auth/cache.js';
import { TtlCache } from '../../src/shared/ttl-cache.js';
import { AuthError } from '../../src/auth/errors.js';
import { UpstreamError } from '../../src/oidc/errors.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** A JWT-shaped token (the stub verifier decides whether it is good). */
const jwtShaped = (sub: string) => `${b64({ alg: 'ES384', typ: 'at+jwt' })}.${b64({ sub, n: randomBytes(8).toString('hex') })}.${randomBytes(32).toString('base64url')}`;

function setup(overrides: Partial<AuthenticatorOptions> = {}) {
  let clock = 1_700_000_000_000;
  const calls = { jwt: 0, userinfo: 0 };
  const auth = createAuthenticator({
    mode: 'auto',
    issuer: 'https://tenant.example.com/oidc',
    verifyJwt: async () => {
      calls.jwt++;
      return { sub: 'jwt-user', exp: Math.floor(clock / 1000) + 10 };
    },
    verifyUserinfo: async () => {
      calls.userinfo++;
      return { sub: 'opaque-user' };
    },
    userinfoTtlSeconds: 60,
    cacheMaxEntries: 100,
    shape: SHAPE,
    now: () => clock,
    ...overrides,
  });
  return { auth, calls, tick: (ms: number) => (clock += ms), now: () => clock };
}

describe('Validation cache (RFC 9700 §4.1 / RFC 6819 §5.1.4.1.3, OWASP API2)', () => {
  it('RFC 6819 §5.1.4.1.3 "store hashes": the raw token is nowhere in the heap after validation — only its SHA-256', async () => {
    const { auth } = setup();
    // The canary is assembled from char codes, so no literal or slice of it exists anywhere else.
    const marker = randomBytes(20).toString('hex');
    const hash = await (async () => {
      const token = String.fromCharCode(...[...`CANARY${marker}`].map((c) => c.charCodeAt(0)));
      await auth.authenticate(token);
      return tokenHash(token);
    })();
    assert.ok(auth.cache.get(`userinfo:${hash}`), 'cached under the hash');
    for (let i = 0; i < 3; i++) gc();
    const chunks: Buffer[] = [];
    for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
    const snapshot = Buffer.concat(chunks).toString('utf8');
    assert.ok(snapshot.includes(hash), 'the hash is in the heap (the search works)');
    // `marker` alone is alive (we hold it); the token `CANARY…` must not be.
    assert.ok(!snapshot.includes(`CANARY${marker}`), 'the raw token is not retained');
  });

  it('RFC 9068 §4: JWT entries never outlive the token exp', async () => {
    const { auth, calls, tick } = setup();
    const token = jwtShaped('a');
    await auth.authenticate(token);
    tick(9_900);
    await auth.authenticate(token);
    assert.equal(calls.jwt, 1, 'served from the cache before exp');
    tick(100);
    await auth.authenticate(token);
    assert.equal(calls.jwt, 2, 're-verified at exp');
  });

  it('RFC 9068 §4 + clock tolerance: a token accepted after its exp is never cached', async () => {
    let clock = 1_700_000_000_000;
    let calls = 0;
    const auth = createAuthenticator({
      mode: 'jwt',
      issuer: 'i',
      verifyJwt: async () => (calls++, { sub: 's', exp: Math.floor(clock / 1000) - 2 }),
      verifyUserinfo: async () => ({ sub: 's' }),
      userinfoTtlSeconds: 60,
      cacheMaxEntries: 10,
      shape: SHAPE,
      now: () => clock,
    });
    const token = jwtShaped('late');
    await auth.authenticate(token);
    await auth.authenticate(token);
    assert.equal(calls, 2);
    assert.equal(auth.cache.size, 0);
    clock += 1;
  });

  it('MCP auth / OWASP API2: opaque entries live USERINFO_CACHE_TTL, and TTL 0 caches nothing', async () => {
    const { auth, calls, tick } = setup({ userinfoTtlSeconds: 30 });
    const token = randomBytes(24).toString('base64url');
    await auth.authenticate(token);
    tick(29_000);
    await auth.authenticate(token);
    assert.equal(calls.userinfo, 1);
    tick(1_000);
    await auth.authenticate(token);
    assert.equal(calls.userinfo, 2);
    const zero = setup({ userinfoTtlSeconds: 0 });
    await zero.auth.authenticate(token);
    await zero.auth.authenticate(token);
    assert.equal(zero.calls.userinfo, 2);
    assert.equal(zero.auth.cache.size, 0);
  });

  it('OWASP API4: the cache is bounded (LRU) whatever the number of distinct tokens', async () => {
    const { auth, calls } = setup({ cacheMaxEntries: 5 });
    const keep = randomBytes(24).toString('base64url');
    await auth.authenticate(keep);
    for (let i = 0; i < 200; i++) {
      await auth.authenticate(randomBytes(24).toString('base64url'));
      if (i % 3 === 0) await auth.authenticate(keep); // recently used survives
      assert.ok(auth.cache.size <= 5);
    }
    const before = calls.userinfo;
    await auth.authenticate(keep);
    assert.equal(calls.userinfo, before, 'the hot entry was kept');
  });

  it('RFC 6750 §3.1 / OWASP API2: failures never produce entries, and concurrent waiters share the failure', async () => {
    for (const failure of [new AuthError('invalid_token', 'no'), new UpstreamError('down'), new Error('bug')]) {
      let calls = 0;
      const auth = createAuthenticator({
        mode: 'auto',
        issuer: 'i',
        verifyJwt: async () => {
          calls++;
          await new Promise((r) => setTimeout(r, 20));
          throw failure;
        },
        verifyUserinfo: async () => {
          calls++;
          throw failure;
        },
        userinfoTtlSeconds: 60,
        cacheMaxEntries: 10,
        shape: SHAPE,
      });
      const token = jwtShaped('x');
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => auth.authenticate(token)));
      assert.ok(results.every((r) => r.status === 'rejected' && r.reason === failure));
      assert.equal(calls, 1, 'single flight');
      assert.equal(auth.cache.size, 0);
      await assert.rejects(auth.authenticate(token));
      assert.equal(calls, 2, 'the failure was not remembered');
    }
  });

  it('RFC 8707 / RFC 9068 §4: entries are scoped by validation path and audience — no cross-use', async () => {
    // auto: a JWT that fails is never retried through userinfo.
    const failing = setup({
      verifyJwt: async () => {
        throw new AuthError('invalid_token', 'bad aud');
      },
    });
    await assert.rejects(failing.auth.authenticate(jwtShaped('x')));
    assert.equal(failing.calls.userinfo, 0);
    // Path prefix: a JWT-path entry is not a userinfo-path entry.
    const { auth } = setup();
    const token = jwtShaped('y');
    await auth.authenticate(token);
    assert.ok(auth.cache.get(`jwt:${tokenHash(token)}`));
    assert.equal(auth.cache.get(`userinfo:${tokenHash(token)}`), undefined);
    // Another audience set is another authenticator (another verifyJwt) with its own cache.
    const other = setup();
    await other.auth.authenticate(token);
    assert.equal(other.calls.jwt, 1, 'verified again for the other audience');
    // TOKEN_VALIDATION=jwt never consults a userinfo entry.
    const strict = setup({ mode: 'jwt' });
    await assert.rejects(strict.auth.authenticate(randomBytes(24).toString('base64url')), AuthError);
    assert.equal(strict.calls.userinfo, 0);
  });

  it('RFC 6819 §5.1.4.1.3: TtlCache.set never stores an already-expired entry', () => {
    const cache = new TtlCache<string>(10, () => 1000);
    cache.set('k', 'v', 1000);
    cache.set('k2', 'v', 999);
    assert.equal(cache.size, 0);
  });
});
