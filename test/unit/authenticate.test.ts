import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuthenticator } from '../../src/auth/authenticate.js';
import { DEFAULT_OPAQUE_LENGTH } from '../../src/auth/token-shape.js';
import { AuthError } from '../../src/auth/errors.js';
import { UpstreamError } from '../../src/oidc/errors.js';

/** A Logto-shaped opaque access token: 43 base64url characters. */
const OPAQUE = 'Xk3f9Qm2Lr7Tz1Vb8Nc4Hd6Jw0Ys5Ep2Ga9Uo3Ki7Fq';
const JWT = `${Buffer.from('{"alg":"ES384"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.c2ln`;

function setup(mode: 'auto' | 'jwt' | 'userinfo', over: { jwt?: () => Promise<never>; userinfo?: () => Promise<never> } = {}) {
  const calls = { jwt: 0, userinfo: 0 };
  let now = 1_000_000;
  const auth = createAuthenticator({
    mode,
    issuer: 'https://t.logto.app/oidc',
    now: () => now,
    userinfoTtlSeconds: 60,
    cacheMaxEntries: 100,
    shape: { algorithms: ['ES384'], opaqueLength: DEFAULT_OPAQUE_LENGTH },
    verifyJwt: async () => {
      calls.jwt++;
      if (over.jwt) return over.jwt();
      return { sub: 'jwt-user', exp: now / 1000 + 30, scope: 'a b', client_id: 'app' };
    },
    verifyUserinfo: async () => {
      calls.userinfo++;
      if (over.userinfo) return over.userinfo();
      return { sub: 'ui-user', email: 'u@example.com' };
    },
  });
  return { auth, calls, tick: (ms: number) => (now += ms) };
}

describe('createAuthenticator', () => {
  it('auto: JWTs to jose, the rest to userinfo; identities carry the path', async () => {
    const { auth, calls } = setup('auto');
    const j = await auth.authenticate(JWT);
    assert.deepEqual([j.tokenType, j.subject, j.scopes, j.clientId], ['jwt', 'jwt-user', ['a', 'b'], 'app']);
    const o = await auth.authenticate(OPAQUE);
    assert.deepEqual([o.tokenType, o.subject, o.claims['email']], ['opaque', 'ui-user', 'u@example.com']);
    assert.deepEqual(calls, { jwt: 1, userinfo: 1 });
  });

  it('a JWT that fails is never retried through userinfo', async () => {
    const { auth, calls } = setup('auto', { jwt: async () => Promise.reject(new AuthError('invalid_token', 'bad')) });
    await assert.rejects(auth.authenticate(JWT), AuthError);
    assert.deepEqual(calls, { jwt: 1, userinfo: 0 });
  });

  it('jwt mode refuses opaque tokens without an upstream call', async () => {
    const { auth, calls } = setup('jwt');
    await assert.rejects(auth.authenticate(OPAQUE), (e: Error) => e instanceof AuthError && e.code === 'invalid_token');
    assert.deepEqual(calls, { jwt: 0, userinfo: 0 });
  });

  it('userinfo mode sends JWTs to userinfo too', async () => {
    const { auth, calls } = setup('userinfo');
    assert.equal((await auth.authenticate(JWT)).tokenType, 'opaque');
    assert.deepEqual(calls, { jwt: 0, userinfo: 1 });
  });

  it('caches by hash: JWT until exp, opaque for the TTL; never caches failures', async () => {
    const { auth, calls, tick } = setup('auto');
    await auth.authenticate(JWT);
    await auth.authenticate(JWT);
    await auth.authenticate(OPAQUE);
    await auth.authenticate(OPAQUE);
    assert.deepEqual(calls, { jwt: 1, userinfo: 1 });
    tick(31_000); // past the JWT's exp, within the opaque TTL
    await auth.authenticate(JWT);
    await auth.authenticate(OPAQUE);
    assert.deepEqual(calls, { jwt: 2, userinfo: 1 });
    tick(30_000); // past the opaque TTL
    await auth.authenticate(OPAQUE);
    assert.equal(calls.userinfo, 2);
  });

  it('upstream failures propagate as UpstreamError and are not cached', async () => {
    const { auth, calls } = setup('auto', { userinfo: async () => Promise.reject(new UpstreamError('down')) });
    await assert.rejects(auth.authenticate(OPAQUE), UpstreamError);
    await assert.rejects(auth.authenticate(OPAQUE), UpstreamError);
    assert.equal(calls.userinfo, 2);
    assert.equal(auth.cache.size, 0);
  });
});
