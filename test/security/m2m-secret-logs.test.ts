import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startFakeIdp, type FakeIdp, type Fault } from '../support/fake-idp.js';
import { spawnServer, type SpawnedServer } from '../support/spawn-server.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
const ACCEPT = 'application/json, text/event-stream';
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'm2m-logs', version: '1' } } };

/** Initialize + whoami over Streamable HTTP; returns the raw answer text. */
async function callWhoami(server: SpawnedServer, token: string): Promise<string> {
  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, authorization: `Bearer ${token}`, ...headers }, body: JSON.stringify(body) });
  const init = await post({}, INIT);
  await init.text();
  const sid = init.headers.get('mcp-session-id')!;
  await (await post({ 'mcp-session-id': sid }, { jsonrpc: '2.0', method: 'notifications/initialized' })).text();
  return (await post({ 'mcp-session-id': sid }, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } })).text();
}

describe('The M2M app secret is never logged nor answered, at any LOG_LEVEL (a canary through every Management API outcome)', () => {
  let idp: FakeIdp;
  const servers = new Map<string, SpawnedServer>();
  const canary = `CANARYm2msecret${randomBytes(12).toString('hex')}`;
  before(async () => {
    idp = await startFakeIdp();
    idp.m2m.appSecret = canary;
    // Inside @logto/api's 60 s renewal leeway, so every profile load sends the secret again.
    idp.m2m.expiresIn = 30;
    // Five tsx processes start at once; on the shared 2-core machine (load average ~30 measured) one
    // start took over spawnServer's default 20 s, so each gets 60 s.
    await Promise.all(
      LEVELS.map(async (level) =>
        servers.set(
          level,
          await spawnServer({ LOGTO_ENDPOINT: idp.url, LOG_LEVEL: level, LOGTO_M2M_APP_ID: idp.m2m.appId, LOGTO_M2M_APP_SECRET: canary, UPSTREAM_TIMEOUT_MS: '1000' }, 60_000),
        ),
      ),
    );
  });
  after(async () => {
    for (const s of servers.values()) s.kill();
    await idp.close();
  });

  for (const level of LEVELS) {
    it(`LOG_LEVEL=${level}: not in stdout/stderr, not in any whoami answer`, async () => {
      const server = servers.get(level)!;
      const outcomes: Array<['token' | 'management', Fault]> = [
        ['token', 'ok'],
        ['token', '401'],
        ['token', 'html'],
        ['token', 'down'],
        ['management', '401'],
        ['management', '500'],
        ['management', 'html'],
      ];
      for (const [where, fault] of outcomes) {
        const sub = `secret-${level}-${where}-${fault}-${randomBytes(3).toString('hex')}`;
        idp.managementUsers.set(sub, { user: { id: sub, username: sub }, roles: [], organizations: [] });
        idp.fault[where] = fault;
        try {
          const answer = await callWhoami(server, await idp.accessToken(sub, server.url));
          assert.match(answer, new RegExp(`"sub":"${sub}"`), 'whoami answered with the token’s subject');
          assert.ok(!answer.includes(canary), `the secret is in a whoami answer (${where} ${fault})`);
        } finally {
          idp.fault[where] = 'ok';
        }
      }
      server.markStop();
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);
      const output = `${server.stdout()}\n${server.stderr()}`;
      if (level === 'trace' || level === 'debug' || level === 'info' || level === 'warn') assert.match(output, /Logto profile unavailable/, 'failures were logged');
      assert.ok(!output.includes(canary), `LOG_LEVEL=${level} leaked the M2M secret`);
      assert.ok(!/CANARYm2m/.test(output), `LOG_LEVEL=${level}: part of the secret appears`);
    });
  }
});
