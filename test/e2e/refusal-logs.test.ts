/**
 * Refusals the server can see name their fix in the request's log line — the reason, never the token:
 * a 403 names the scopes the token lacks and the role to give; a JWT for another API resource (what a
 * client that asked for the wrong `resource` gets) names the resource to ask for; and a request that
 * reached a server without PUBLIC_URL under another Host (127.0.0.1 instead of localhost) gets one
 * warning: "use localhost or set PUBLIC_URL". Real servers and dev IdPs on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DEV_USERS, getDevToken, startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';
import { startServer, type RunningServer } from '../../src/start/start-server.js';
import { freePort, LogCapture, postMcp, startTestServer } from '../support/harness.js';

const alice = DEV_USERS.find((u) => u.username === 'alice')!;
const silent = { info() {}, warn() {}, error() {} };
const OTHER_API = 'https://other-api.example.com/api';

type Line = { level: number; msg: string; status?: number; refusal?: { error: string; reason: string; missingScopes?: string[]; fix?: string }; fix?: string };
/** The log lines written since chunk `from`. */
const lines = (logs: LogCapture, from = 0): Line[] => logs.chunks.slice(from).join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

describe('refusals named in the log', () => {
  let idp: DevIdp;
  let server: RunningServer;
  const logs = new LogCapture();
  const tokens: string[] = [];
  const token = async (resource: string, scope: string) => {
    const t = (await getDevToken({ issuer: idp.issuer, username: alice.username, password: alice.password, resource, scope })).access_token;
    tokens.push(t);
    return t;
  };

  before(async () => {
    const port = await freePort();
    const base = `http://localhost:${port}`;
    idp = await startDevIdp({ port: 0, logger: silent, resources: { ...Object.fromEntries([`${base}/`, `${base}/mcp`, `${base}/sse`].map((r) => [r, ['whoami:read']])), [OTHER_API]: ['other:read'] } });
    server = await startServer(
      { LOGTO_ENDPOINT: idp.origin, PORT: String(port), PUBLIC_URL: base, REQUIRED_SCOPES: 'whoami:read', TOKEN_VALIDATION: 'jwt', LOG_LEVEL: 'info' },
      { logDestination: logs, banner: false },
    );
    await server.ready;
  });
  after(async () => {
    await server?.close();
    await idp?.close();
  });

  it('403: the request line (info) names the missing scope and the role to give', async () => {
    const from = logs.chunks.length;
    const r = await postMcp(server.mcpUrl, { authorization: `Bearer ${await token(server.resources.mcp, 'openid')}` });
    assert.equal(r.status, 403);
    const line = lines(logs, from).find((l) => l.msg === 'request' && l.status === 403);
    assert.ok(line, logs.text);
    assert.deepEqual(line.refusal?.missingScopes, ['whoami:read']);
    assert.equal(line.refusal?.error, 'insufficient_scope');
    assert.match(line.refusal?.fix ?? '', /role that grants whoami:read/);
  });

  it('a JWT for another API resource: the 401 is logged (info) with the resource the client must ask for', async () => {
    const from = logs.chunks.length;
    const r = await postMcp(server.mcpUrl, { authorization: `Bearer ${await token(OTHER_API, 'openid other:read')}` });
    assert.equal(r.status, 401);
    const line = lines(logs, from).find((l) => l.msg === 'request' && l.status === 401);
    assert.ok(line, 'a refused token is logged at info');
    assert.equal(line.level, 30);
    assert.match(line.refusal?.reason ?? '', /\(aud\)/);
    assert.ok(line.refusal?.fix?.includes(`resource=${server.resources.mcp}`), line.refusal?.fix);
  });

  it('a request without a token stays out of the info log (every client\'s first contact)', async () => {
    const from = logs.chunks.length;
    assert.equal((await postMcp(server.mcpUrl, {})).status, 401);
    assert.equal(logs.chunks.slice(from).filter((c) => c.includes('"msg":"request"')).length, 0);
  });

  it('no token appears in the log', () => {
    assert.ok(tokens.length >= 2);
    for (const t of tokens) assert.ok(!logs.text.includes(t));
  });
});

describe('PUBLIC_URL unset, reached as 127.0.0.1', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => (server = await startTestServer({ LOG_LEVEL: 'info' })));
  after(async () => {
    await server?.close();
  });

  /** A GET with an explicit Host header, as a client given http://127.0.0.1:<port>/… sends it. */
  const getAs = (host: string, path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject).end();
    });

  it('warns once, naming the fix: use localhost or set PUBLIC_URL', async () => {
    assert.equal(await getAs(`localhost:${server.port}`, '/.well-known/oauth-protected-resource/mcp'), 200);
    assert.equal(lines(server.logs).filter((l) => /use localhost or set PUBLIC_URL/.test(l.msg)).length, 0, 'not for the announced host');
    for (let i = 0; i < 3; i++) assert.equal(await getAs(`127.0.0.1:${server.port}`, '/.well-known/oauth-protected-resource/mcp'), 200);
    const warnings = lines(server.logs).filter((l) => /use localhost or set PUBLIC_URL/.test(l.msg));
    assert.equal(warnings.length, 1, 'once per Host');
    assert.equal(warnings[0]!.level, 40);
    assert.match(warnings[0]!.msg, new RegExp(`reached as http://127\\.0\\.0\\.1:${server.port}, but the server announces http://localhost:${server.port}`));
  });
});
