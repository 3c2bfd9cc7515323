import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startFakeIdp, type FakeIdp } from '../../bench/support/fake-idp.js';
import { gate, startAgainst, type TestServer } from '../support/security.js';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Tokens that cannot be the issuer's, each refused without a call to it. */
async function implausible(idp: FakeIdp, aud: string): Promise<Array<[string, string]>> {
  const good = await idp.accessToken('shape-user', aud);
  const [h, p, s] = good.split('.') as [string, string, string];
  const payload = b64({ sub: 'shape-user', aud, iss: 'x', exp: now() + 3600 });
  return [
    ['a JWT with an empty signature segment', `${h}.${p}.`],
    ['alg none with an empty signature', `${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`],
    ['alg none with a signature', `${b64({ alg: 'none' })}.${payload}.${s}`],
    ['alg HS256 (symmetric)', `${b64({ alg: 'HS256' })}.${payload}.${s}`],
    ['a header that is not JSON', `${b64('not json')}.${p}.${s}`],
    ['a payload that is not JSON', `${h}.${b64('[1,2')}.${s}`],
    ['two segments', `${h}.${p}`],
    ['four segments', `${good}.${s}`],
    ['five segments (a JWE)', `${h}.${p}.${s}.${s}.${s}`],
    ['dots only', 'a..b'],
    ['an opaque token of 5 KB', randomBytes(3840).toString('base64url')],
    ['an opaque token longer than the bound', 'A'.repeat(129)],
    ['an opaque token shorter than the bound', 'A'.repeat(21)],
    ['b64token characters outside base64url (~ + / =)', `${randomBytes(30).toString('base64')}~`],
  ];
}

describe('Plausibility gate before any upstream call (RFC 6750 §3.1 invalid_token, OWASP API10)', () => {
  let idp: FakeIdp;
  const servers: TestServer[] = [];
  before(async () => {
    idp = await startFakeIdp();
  });
  after(async () => {
    for (const s of servers) await s.close();
    await idp.close();
  });

  for (const mode of ['auto', 'jwt', 'userinfo'] as const) {
    it(`TOKEN_VALIDATION=${mode}: every implausible shape → 401 invalid_token with ZERO JWKS or userinfo calls`, async () => {
      const server = await startAgainst(idp, { TOKEN_VALIDATION: mode, USERINFO_CACHE_TTL: '0' });
      servers.push(server);
      // Warm the JWKS first, so a count that stays put means "not fetched for this token".
      if (mode !== 'userinfo') assert.equal((await gate(server, await idp.accessToken('warm', server.resources.mcp))).status, 200);
      const before = { ...idp.calls };
      for (const [name, token] of await implausible(idp, server.resources.mcp)) {
        assert.deepEqual(await gate(server, token), { status: 401, error: 'invalid_token' }, name);
        assert.deepEqual(idp.calls, before, `${name}: no call to the identity provider`);
      }
    });
  }

  it('controls: a well-formed opaque token costs exactly one userinfo call; Logto-length (43) and the bounds pass the gate', async () => {
    const server = await startAgainst(idp, { USERINFO_CACHE_TTL: '0' });
    servers.push(server);
    for (const length of [22, 43, 128]) {
      const before = idp.calls.userinfo;
      const unknown = randomBytes(96).toString('base64url').slice(0, length);
      assert.equal((await gate(server, unknown)).status, 401);
      assert.equal(idp.calls.userinfo, before + 1, `length ${length} reached userinfo`);
    }
    assert.equal((await gate(server, idp.opaqueToken({ sub: 'opaque-user' }))).status, 200);
  });

  it('OPAQUE_TOKEN_MIN_LENGTH / OPAQUE_TOKEN_MAX_LENGTH move the bounds', async () => {
    const server = await startAgainst(idp, { OPAQUE_TOKEN_MIN_LENGTH: '43', OPAQUE_TOKEN_MAX_LENGTH: '43', USERINFO_CACHE_TTL: '0' });
    servers.push(server);
    const before = idp.calls.userinfo;
    for (const token of ['A'.repeat(42), 'A'.repeat(44)]) assert.deepEqual(await gate(server, token), { status: 401, error: 'invalid_token' });
    assert.equal(idp.calls.userinfo, before);
    assert.equal((await gate(server, 'A'.repeat(43))).status, 401);
    assert.equal(idp.calls.userinfo, before + 1);
  });
});
