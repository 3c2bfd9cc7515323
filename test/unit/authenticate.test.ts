import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuthenticator, isJwtShaped } from '../../src/auth/authenticate.js';
import { AuthError } from '../../src/auth/errors.js';
import { UpstreamError } from '../../src/oidc/errors.js';

const JWT = `${Buffer.from('{"alg":"ES384"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.c2ln`;

function setup(mode: 'auto' | 'jwt' | 'userinfo', over: { jwt?: () => Promise<never>; userinfo?: () => Promise<never> } = {}) {
  const calls = { jwt: 0, userinfo: 0 };
  let now = 1_000_000;
  const auth = createAuthenticator({
    mode,
    issuer: 'https://t.logto.app/oidc',
    resource: 'https://mcp.example',
    now: () => now,
    userinfoTtlSeconds: 60,
    cacheMaxEntries: 100,
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
  it('isJwtShaped: three base64url segments with a JSON header naming alg', () => {
    assert.equal(isJwtShaped(JWT), true);
    assert.equal(isJwtShaped('opaque_token-123'), false);
    assert.equal(isJwtShaped('a.b.c'), false);
    assert.equal(isJwtShaped(`${JWT}.extra`), false);
  });

  it('auto: JWTs to jose, the rest to userinfo; identities carry the path', async () => {
    const { auth, calls } = setup('auto');
    const j = await auth.authenticate(JWT);
    assert.deepEqual([j.tokenType, j.subject, j.scopes, j.clientId], ['jwt', 'jwt-user', ['a', 'b'], 'app']);
    const o = await auth.authenticate('opaque');
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
    await assert.rejects(auth.authenticate('opaque'), (e: Error) => e instanceof AuthError && e.code === 'invalid_token');
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
    await auth.authenticate('opaque');
    await auth.authenticate('opaque');
    assert.deepEqual(calls, { jwt: 1, userinfo: 1 });
    tick(31_000); // past the JWT's exp, within the opaque TTL
    await auth.authenticate(JWT);
    await auth.authenticate('opaque');
    assert.deepEqual(calls, { jwt: 2, userinfo: 1 });
    tick(30_000); // past the opaque TTL
    await auth.authenticate('opaque');
    assert.equal(calls.userinfo, 2);
  });

  it('upstream failures propagate as UpstreamError and are not cached', async () => {
    const { auth, calls } = setup('auto', { userinfo: async () => Promise.reject(new UpstreamError('down')) });
    await assert.rejects(auth.authenticate('opaque'), UpstreamError);
    await assert.rejects(auth.authenticate('opaque'), UpstreamError);
    assert.equal(calls.userinfo, 2);
    assert.equal(auth.cache.size, 0);
  });
});
