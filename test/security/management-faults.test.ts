import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../src/start/start-server.js';
import { startFakeIdp, type Fault, type FakeIdp } from '../../bench/support/fake-idp.js';
import { LogCapture, postMcp, startTestServer, whoamiAs } from '../support/harness.js';

/**
 * whoami's Logto profile against a misbehaving Management API (the fake IdP's /oidc/token and /api,
 * real HTTP): whatever goes wrong, whoami answers with the token's claims and `logto.available: false`
 * — never a 401/500, never another identity — and the M2M secret appears nowhere.
 */

const SECRET_CANARY = `CANARYm2m${randomBytes(12).toString('hex')}`;

/** A Logto-shaped user the fake Management API serves, with every field set (email included). */
function seedUser(idp: FakeIdp, sub: string): void {
  idp.managementUsers.set(sub, {
    user: {
      id: sub,
      username: `user-${sub}`,
      name: 'Faulty Tester',
      avatar: 'https://example.com/a.png',
      primaryEmail: `${sub}@example.com`,
      primaryPhone: '+15555550123',
      customData: { tier: 'gold' },
    },
    roles: [{ tenantId: 'default', id: 'r1', name: 'admin', description: '', type: 'User', isDefault: false }],
    organizations: [{ tenantId: 'default', id: 'o1', name: 'Acme', description: null, customData: {}, organizationRoles: [{ id: 'or1', name: 'member' }] }],
  });
}

describe('whoami enrichment: every Management API failure → the token claims still answer, profile unavailable', () => {
  let idp: FakeIdp;
  let server: RunningServer & { logs: LogCapture };
  const fresh = (tag: string) => `${tag}-${randomBytes(4).toString('hex')}`;
  const jwtFor = (sub: string) => idp.accessToken(sub, server.resources.mcp);

  before(async () => {
    idp = await startFakeIdp();
    idp.m2m.appSecret = SECRET_CANARY;
    // Inside @logto/api's 60 s renewal leeway: every profile load asks the token endpoint, so its faults show.
    idp.m2m.expiresIn = 30;
    idp.slowMs = 3000;
    server = await startTestServer({
      LOGTO_ENDPOINT: idp.url,
      LOGTO_M2M_APP_ID: idp.m2m.appId,
      LOGTO_M2M_APP_SECRET: SECRET_CANARY,
      WHOAMI_PROFILE_FIELDS: 'username,name,avatar,email,phone,custom_data,roles,organizations',
      UPSTREAM_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'trace',
    });
  });
  after(async () => {
    await server?.close();
    await idp?.close();
  });

  it('healthy: the profile arrives under `logto`, apart from the verified claims', async () => {
    const sub = fresh('ok');
    seedUser(idp, sub);
    const me = await whoamiAs(server, await jwtFor(sub));
    assert.equal(me['sub'], sub);
    assert.equal(me['username'], undefined, 'nothing from the Management API among the claims');
    assert.deepEqual(me['logto'], {
      available: true,
      username: `user-${sub}`,
      name: 'Faulty Tester',
      avatar: 'https://example.com/a.png',
      email: `${sub}@example.com`,
      phone: '+15555550123',
      custom_data: { tier: 'gold' },
      roles: ['admin'],
      organizations: [{ id: 'o1', name: 'Acme', roles: ['member'] }],
    });
  });

  const cases: Array<{ where: 'management' | 'token'; fault: Fault; error: string }> = [
    { where: 'management', fault: 'down', error: 'unreachable' },
    { where: 'management', fault: 'hang', error: 'timeout' },
    { where: 'management', fault: 'slow', error: 'timeout' },
    { where: 'management', fault: '401', error: 'unauthorized' },
    { where: 'management', fault: '404', error: 'not_found' },
    { where: 'management', fault: '500', error: 'http_error' },
    { where: 'management', fault: 'html', error: 'bad_response' },
    { where: 'management', fault: 'not-object', error: 'bad_response' },
    { where: 'management', fault: 'huge', error: 'bad_response' },
    { where: 'management', fault: 'redirect', error: 'http_error' },
    { where: 'token', fault: '401', error: 'token_failed' },
    { where: 'token', fault: 'down', error: 'token_failed' },
    { where: 'token', fault: 'hang', error: 'timeout' },
    { where: 'token', fault: 'html', error: 'token_failed' },
    { where: 'token', fault: 'redirect', error: 'token_failed' },
    { where: 'token', fault: 'echo', error: 'token_failed' },
    // A Management API that answers with the M2M token it was called with: the profile is refused, never shown.
    { where: 'management', fault: 'echo', error: 'bad_response' },
  ];
  for (const { where, fault, error } of cases) {
    it(`${where === 'token' ? 'M2M token endpoint' : 'Management API'} ${fault} → 200, sub from the token, logto: { available: false, error: ${error} }`, async () => {
      const sub = fresh(`${where}-${fault}`);
      seedUser(idp, sub);
      const token = await jwtFor(sub);
      idp.fault[where] = fault;
      try {
        const me = await whoamiAs(server, token);
        assert.equal(me['sub'], sub);
        assert.equal(me['token_type'], 'jwt');
        assert.deepEqual(me['logto'], { available: false, error });
        assert.ok(!JSON.stringify(me).includes(`${sub}@example.com`));
        assert.ok(!JSON.stringify(me).includes(SECRET_CANARY) && !/m2m-[0-9a-f]{32}/.test(JSON.stringify(me)), 'no M2M credential in the whoami answer');
      } finally {
        idp.fault[where] = 'ok';
      }
      // The token was never refused on account of the Management API: the same token works again.
      const again = await postMcp(server.mcpUrl, { authorization: `Bearer ${token}` });
      assert.equal(again.status, 200);
    });
  }

  it('a 307 from the M2M token endpoint is not followed: the form (client secret included) reaches no other origin', async () => {
    const trap = await startTrap();
    try {
      idp.redirectTo = `${trap.url}/steal`;
      idp.fault.token = 'redirect-307';
      const sub = fresh('token-307');
      seedUser(idp, sub);
      const me = await whoamiAs(server, await jwtFor(sub));
      assert.equal(me['sub'], sub);
      assert.deepEqual(me['logto'], { available: false, error: 'token_failed' });
      assert.deepEqual(trap.requests, [], 'nothing was re-sent to the redirect target');
    } finally {
      idp.fault.token = 'ok';
      await trap.close();
    }
    assert.ok(server.logs.text.includes('answered a redirect (HTTP 307)'), 'the log line names the redirect');
  });

  it('the Management API never decides who the caller is: a 200 about another user is refused, the sub stays the token’s', async () => {
    const sub = fresh('impostor');
    idp.managementUsers.set(sub, { user: { id: 'someone-else', username: 'mallory' }, roles: [], organizations: [] });
    const me = await whoamiAs(server, await jwtFor(sub));
    assert.equal(me['sub'], sub);
    assert.deepEqual(me['logto'], { available: false, error: 'bad_response' });
    assert.ok(!JSON.stringify(me).includes('mallory'));
  });

  it('a token the IdP refuses is 401 whatever the Management API could say (it is never asked)', async () => {
    const before = idp.calls.management;
    const now = Math.floor(Date.now() / 1000);
    // Signed with a key that is not in the JWKS.
    const bad = await idp.sign({ iss: idp.issuer, sub: 'forged', aud: server.resources.mcp, iat: now, exp: now + 600 }, { key: await idp.unpublishedKey() });
    assert.equal((await postMcp(server.mcpUrl, { authorization: `Bearer ${bad}` })).status, 401);
    assert.equal(idp.calls.management, before);
  });

  it('the M2M secret (a canary) is in no log line, at LOG_LEVEL=trace, after all of the above', () => {
    assert.ok(server.logs.text.includes('Logto profile unavailable'), 'failures were logged');
    assert.ok(!server.logs.text.includes(SECRET_CANARY), 'the M2M secret leaked into the logs');
    assert.ok(!/m2m-[0-9a-f]{32}/.test(server.logs.text), 'an M2M access token leaked into the logs');
  });
});

/** A listener on 127.0.0.1 that records what reaches it (method, path, body) and answers 200. */
async function startTrap(): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const trap = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += String(c)));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"stolen","expires_in":3600,"scope":"all"}');
    });
  });
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(trap.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((r) => trap.close(() => r())),
  };
}

describe('whoami enrichment: the M2M token is cached and renewed single-flight', () => {
  let idp: FakeIdp;
  let server: RunningServer & { logs: LogCapture };
  before(async () => {
    idp = await startFakeIdp();
    server = await startTestServer({ LOGTO_ENDPOINT: idp.url, LOGTO_M2M_APP_ID: idp.m2m.appId, LOGTO_M2M_APP_SECRET: idp.m2m.appSecret });
  });
  after(async () => {
    await server?.close();
    await idp?.close();
  });

  it('30 concurrent first callers (different users) make ONE token request; later calls reuse it', async () => {
    const subs = Array.from({ length: 30 }, (_, i) => `cc-${i}-${randomBytes(3).toString('hex')}`);
    for (const sub of subs) seedUser(idp, sub);
    const tokens = await Promise.all(subs.map((s) => idp.accessToken(s, server.resources.mcp)));
    const answers = await Promise.all(tokens.map((t) => whoamiAs(server, t)));
    for (const [i, me] of answers.entries()) {
      assert.equal(me['sub'], subs[i]);
      assert.equal((me['logto'] as { available: boolean }).available, true);
    }
    assert.equal(idp.calls.token, 1, 'one client-credentials request for 30 cold callers');
    const later = `cc-later-${randomBytes(3).toString('hex')}`;
    seedUser(idp, later);
    await whoamiAs(server, await idp.accessToken(later, server.resources.mcp));
    assert.equal(idp.calls.token, 1, 'the cached token is reused');
  });

  it('a 401 from the Management API drops the cached token: the next profile load gets a new one', async () => {
    const sub = `rot-${randomBytes(3).toString('hex')}`;
    seedUser(idp, sub);
    const before = idp.calls.token;
    idp.fault.management = '401';
    const me = await whoamiAs(server, await idp.accessToken(sub, server.resources.mcp));
    idp.fault.management = 'ok';
    assert.deepEqual(me['logto'], { available: false, error: 'unauthorized' });
    const next = `rot2-${randomBytes(3).toString('hex')}`;
    seedUser(idp, next);
    const ok = await whoamiAs(server, await idp.accessToken(next, server.resources.mcp));
    assert.equal((ok['logto'] as { available: boolean }).available, true);
    assert.equal(idp.calls.token, before + 1);
  });

  it('the profile is cached per subject: a second whoami asks the Management API nothing', async () => {
    const sub = `cache-${randomBytes(3).toString('hex')}`;
    seedUser(idp, sub);
    const token = await idp.accessToken(sub, server.resources.mcp);
    await whoamiAs(server, token);
    const calls = idp.calls.management;
    await whoamiAs(server, token);
    assert.equal(idp.calls.management, calls);
  });

  it('field limiting: default fields (no email, phone, custom_data) → none of them anywhere, whatever the Management API returns', async () => {
    const sub = `limit-${randomBytes(3).toString('hex')}`;
    seedUser(idp, sub);
    const me = await whoamiAs(server, await idp.accessToken(sub, server.resources.mcp));
    const text = JSON.stringify(me);
    assert.deepEqual(Object.keys(me['logto'] as object).sort(), ['available', 'avatar', 'name', 'organizations', 'roles', 'username']);
    for (const leaked of [`${sub}@example.com`, '+15555550123', 'gold']) assert.ok(!text.includes(leaked), `${leaked} in ${text}`);
  });

  it('opaque token: userinfo stays as it is; only listed fields it lacks come from the Management API', async () => {
    const sub = `opq-${randomBytes(3).toString('hex')}`;
    seedUser(idp, sub);
    const token = idp.opaqueToken({ sub, username: 'from-userinfo', name: 'Userinfo Name', picture: 'https://example.com/u.png' });
    const me = await whoamiAs(server, token);
    assert.equal(me['token_type'], 'opaque');
    assert.equal(me['username'], 'from-userinfo');
    assert.deepEqual(me['logto'], { available: true, roles: ['admin'], organizations: [{ id: 'o1', name: 'Acme', roles: ['member'] }] });
  });
});

describe('whoami enrichment: bounded concurrency towards the Management API', () => {
  let idp: FakeIdp;
  let server: RunningServer & { logs: LogCapture };
  before(async () => {
    idp = await startFakeIdp();
    // Each Management API answer takes 300 ms, so concurrent profile loads overlap at the fake.
    idp.slowMs = 300;
    server = await startTestServer({
      LOGTO_ENDPOINT: idp.url,
      LOGTO_M2M_APP_ID: idp.m2m.appId,
      LOGTO_M2M_APP_SECRET: idp.m2m.appSecret,
      UPSTREAM_CONCURRENCY: '3',
      UPSTREAM_TIMEOUT_MS: '20000',
    });
  });
  after(async () => {
    await server?.close();
    await idp?.close();
  });

  it('20 callers at once (60 Management API requests) → never more than UPSTREAM_CONCURRENCY=3 in flight, and every caller gets a profile', async () => {
    const subs = Array.from({ length: 20 }, (_, i) => `conc-${i}-${randomBytes(3).toString('hex')}`);
    for (const sub of subs) seedUser(idp, sub);
    const tokens = await Promise.all(subs.map((s) => idp.accessToken(s, server.resources.mcp)));
    idp.fault.management = 'slow';
    try {
      const answers = await Promise.all(tokens.map((t) => whoamiAs(server, t)));
      for (const [i, me] of answers.entries()) {
        assert.equal(me['sub'], subs[i]);
        assert.equal((me['logto'] as { available: boolean }).available, true, JSON.stringify(me['logto']));
      }
    } finally {
      idp.fault.management = 'ok';
    }
    assert.ok(idp.inflight.maxManagement <= 3, `at most 3 in flight, saw ${idp.inflight.maxManagement}`);
    assert.ok(idp.inflight.maxManagement >= 2, `the loads did overlap (saw ${idp.inflight.maxManagement}), so the bound was exercised`);
  });
});
