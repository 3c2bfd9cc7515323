import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startFakeIdp, type FakeIdp } from '../../bench/support/fake-idp.js';
import { SseStream } from '../../bench/support/sse-stream.js';
import { parseRaw, rawRequest } from '../support/security.js';
import { spawnServer, type SpawnedServer } from '../support/spawn-server.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
const ACCEPT = 'application/json, text/event-stream';
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'logs', version: '1' } } };
const canary = (tag: string) => `CANARY${tag}${randomBytes(12).toString('hex')}`;

/** Drives one server with canary tokens in every position; returns every secret it must never log. */
async function exercise(server: SpawnedServer, idp: FakeIdp): Promise<string[]> {
  const secrets: string[] = [];
  const post = (path: string, headers: Record<string, string>, body: unknown) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }).then(async (r) => {
      await r.text();
      return r;
    });

  // Accepted tokens: a JWT and an opaque token, through both transports, with canaries in the arguments.
  const jwt = await idp.accessToken(`log-user-${randomBytes(4).toString('hex')}`, `${server.url}/mcp`);
  const opaque = idp.opaqueToken({ sub: 'log-opaque-user', email: 'opaque@example.com' });
  secrets.push(jwt, jwt.split('.')[2]!.slice(-24), opaque);
  for (const token of [jwt, opaque]) {
    const init = await post('/mcp', { authorization: `Bearer ${token}` }, INIT);
    assert.equal(init.status, 200);
    const sid = init.headers.get('mcp-session-id')!;
    secrets.push(sid);
    const h = { authorization: `Bearer ${token}`, 'mcp-session-id': sid };
    await post('/mcp', h, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const argCanary = canary('arg');
    secrets.push(argCanary);
    assert.equal((await post('/mcp', h, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: { token: argCanary } } })).status, 200);
    const badJson = canary('badjson');
    secrets.push(badJson);
    await post('/mcp', h, `{"jsonrpc":"2.0","id":3,"method":"${badJson}`);
    await post('/mcp', h, { jsonrpc: '2.0', id: 4, method: badJson, params: { access_token: badJson } });

    const abort = new AbortController();
    const sse = await fetch(`${server.url}/sse`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal });
    const stream = new SseStream(sse, abort);
    const endpoint = await stream.waitFor((e) => e.event === 'endpoint');
    const sseSid = new URL(endpoint.data, server.url).searchParams.get('sessionId')!;
    secrets.push(sseSid);
    await post(`/messages?sessionId=${sseSid}`, { authorization: `Bearer ${token}` }, INIT);
    await post(`/messages?sessionId=${sseSid}`, { authorization: `Bearer ${token}` }, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'whoami', arguments: { x: argCanary } } });
    await stream.waitFor((e) => e.data.includes('"id":5'));
    stream.close();
  }

  // Refused tokens in every position.
  const c = Object.fromEntries(['header', 'query', 'long', 'dup', 'basic', 'session', 'sessionq', 'cookie', 'xff', 'upstream', 'scheme'].map((k) => [k, canary(k)]));
  c['long'] = `${c['long']}${'a'.repeat(9000)}`;
  secrets.push(...Object.values(c).map((v) => v.slice(0, 40)));
  await post('/mcp', { authorization: `Bearer ${c['header']}` }, INIT);
  await post(`/mcp?access_token=${c['query']}`, {}, INIT);
  await post(`/mcp?access_token=${c['query']}`, { authorization: `Bearer ${jwt}` }, INIT);
  await post('/mcp', { authorization: `Bearer ${c['long']}` }, INIT);
  await post('/mcp', { authorization: `Basic ${c['basic']}` }, INIT);
  await post('/mcp', { authorization: `${c['scheme']} token` }, INIT);
  await post('/mcp', { authorization: `Bearer ${jwt}`, 'mcp-session-id': c['session']! }, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
  await post(`/messages?sessionId=${c['sessionq']}&access_token=${c['query']}`, { authorization: `Bearer ${jwt}` }, INIT);
  await post(`/messages?sessionId=${c['sessionq']}`, { authorization: `Bearer ${jwt}` }, INIT);
  await post('/mcp', { authorization: `Bearer ${c['header']}`, cookie: `session=${c['cookie']}`, 'x-forwarded-for': c['xff']! }, INIT);
  const body = JSON.stringify(INIT);
  parseRaw(
    await rawRequest(
      server.port,
      `POST /mcp HTTP/1.1\r\nHost: localhost:${server.port}\r\nAuthorization: Bearer ${c['dup']}\r\nAuthorization: Bearer ${jwt}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    ),
  );
  // whoami's Logto profile through every Management API outcome: the M2M secret (a canary) is sent
  // to the token endpoint on each (expires_in inside @logto/api's renewal leeway), never logged.
  secrets.push(idp.m2m.appSecret);
  for (const [where, fault] of [['token', '401'], ['token', 'html'], ['token', 'down'], ['management', '401'], ['management', '500'], ['management', 'html'], ['management', 'ok']] as const) {
    const sub = `log-m2m-${where}-${fault}-${randomBytes(3).toString('hex')}`;
    idp.managementUsers.set(sub, { user: { id: sub, username: sub }, roles: [], organizations: [] });
    const token = await idp.accessToken(sub, `${server.url}/mcp`);
    secrets.push(token);
    idp.fault[where] = fault;
    const init = await post('/mcp', { authorization: `Bearer ${token}` }, INIT);
    const h = { authorization: `Bearer ${token}`, 'mcp-session-id': init.headers.get('mcp-session-id')! };
    await post('/mcp', h, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const answer = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...h }, body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'whoami', arguments: {} } }) }).then((r) => r.text());
    idp.fault[where] = 'ok';
    assert.ok(answer.includes(sub), `whoami answered for ${sub}: ${answer.slice(0, 300)}`);
    assert.ok(!answer.includes(idp.m2m.appSecret), 'the M2M secret is in a whoami answer');
  }

  // Upstream failures: the token travels to the IdP, never into our logs.
  const upstream = idp.opaqueToken({ sub: 'u' });
  secrets.push(upstream);
  idp.fault.userinfo = '500';
  await post('/mcp', { authorization: `Bearer ${upstream}` }, INIT);
  idp.fault.userinfo = 'html';
  await post('/mcp', { authorization: `Bearer ${upstream}` }, INIT);
  idp.fault.userinfo = 'ok';
  return secrets;
}

describe('Logs never contain tokens or session ids (RFC 6750 §5.3, RFC 9700 §4.3, OWASP API8, MCP security best practices)', () => {
  let idp: FakeIdp;
  const servers = new Map<string, SpawnedServer>();
  before(async () => {
    idp = await startFakeIdp();
    idp.m2m.appSecret = canary('m2msecret');
    idp.m2m.expiresIn = 30;
    const m2m = { LOGTO_M2M_APP_ID: idp.m2m.appId, LOGTO_M2M_APP_SECRET: idp.m2m.appSecret, UPSTREAM_TIMEOUT_MS: '1000' };
    // Five tsx processes start at once: on the shared 2-core machine (load average 25–40 measured) a
    // start took over spawnServer's default 20 s (a silent stderr at the cut-off), so each gets 60 s.
    await Promise.all(LEVELS.map(async (level) => servers.set(level, await spawnServer({ LOGTO_ENDPOINT: idp.url, LOG_LEVEL: level, ...m2m }, 60_000))));
  });
  after(async () => {
    for (const s of servers.values()) s.kill();
    await idp.close();
  });

  for (const level of LEVELS) {
    it(`RFC 6750 §5.3 / OWASP API8: LOG_LEVEL=${level} — no canary token, query token or session id anywhere in stdout/stderr`, async () => {
      const server = servers.get(level)!;
      const secrets = await exercise(server, idp);
      server.markStop();
      server.child.kill('SIGTERM');
      const exit = await server.exited;
      assert.equal(exit.code, 0);
      const output = `${server.stdout()}\n${server.stderr()}`;
      if (level === 'trace' || level === 'debug' || level === 'info') assert.match(server.stdout(), /"msg":"request"/, 'request lines were logged');
      for (const secret of secrets) assert.ok(!output.includes(secret), `LOG_LEVEL=${level} leaked ${secret.slice(0, 14)}…`);
      assert.ok(!/CANARY/.test(output), `LOG_LEVEL=${level}: a canary appears in the output`);
      if (level === 'trace' || level === 'debug' || level === 'info') {
        assert.match(output, /sessionId=\[redacted\]/, 'the session id query value is redacted, not dropped silently');
        assert.match(output, /access_token=\[redacted\]/);
      }
    });
  }
});
