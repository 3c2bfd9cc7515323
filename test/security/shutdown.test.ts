import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFakeIdp, type FakeIdp } from '../../bench/support/fake-idp.js';
import { SseStream } from '../../bench/support/sse-stream.js';
import { spawnServer, type SpawnedServer } from '../support/spawn-server.js';

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 's', version: '1' } } };

describe('Graceful shutdown on SIGTERM (OWASP API4 availability, MCP transports lifecycle)', () => {
  let idp: FakeIdp;
  let server: SpawnedServer;
  before(async () => {
    idp = await startFakeIdp();
    server = await spawnServer({ LOGTO_ENDPOINT: idp.url, LOG_LEVEL: 'info', UPSTREAM_TIMEOUT_MS: '5000' });
  });
  after(async () => {
    server.kill();
    await idp.close();
  });

  it('SIGTERM: stops accepting, finishes the in-flight call, closes SSE streams with a final event, exits 0 within 10 s', async () => {
    const jwt = await idp.accessToken('shutdown-user', `${server.url}/mcp`);
    // An open 2024-11-05 HTTP+SSE stream.
    const abort = new AbortController();
    const sseRes = await fetch(`${server.url}/sse`, { headers: { authorization: `Bearer ${jwt}`, accept: 'text/event-stream' }, signal: abort.signal });
    assert.equal(sseRes.status, 200);
    const stream = new SseStream(sseRes, abort);
    await stream.waitFor((e) => e.event === 'endpoint');

    // An in-flight request: its token is validated at a slow userinfo endpoint; SIGTERM lands mid-way.
    idp.fault.userinfo = 'slow';
    idp.slowMs = 1500;
    const opaque = idp.opaqueToken({ sub: 'in-flight-user' });
    const arrived = new Promise<void>((resolve) => (idp.onUserinfo = resolve));
    const inflight = fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${opaque}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(INIT),
    });
    await arrived;
    server.markStop();
    server.child.kill('SIGTERM');

    // The SSE client is told and the stream ends.
    const closeEvent = await stream.waitFor((e) => e.event === 'close', 5000);
    assert.match(closeEvent.data, /shutting down/);
    await stream.waitEnd(5000);

    // New connections are refused once the listener is closed.
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(
      new Promise<void>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => (socket.destroy(), resolve()));
        socket.once('error', reject);
      }),
      /ECONNREFUSED/,
    );
    // A request on a connection kept alive from before (the finished SSE one) is not served normally.
    const late = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
    if (late) {
      assert.equal(late.status, 503);
      assert.equal(late.headers.get('connection'), 'close');
      await late.body?.cancel();
    }

    // The in-flight call completes normally.
    const res = await inflight;
    assert.equal(res.status, 200);
    const body = (await res.json()) as { result?: { serverInfo?: unknown } };
    assert.ok(body.result?.serverInfo);

    const exit = await server.exited;
    assert.equal(exit.code, 0, `exit code (stderr: ${server.stderr().slice(-300)})`);
    assert.ok(exit.msSinceStop < 10_000, `exited ${exit.msSinceStop} ms after SIGTERM`);
    assert.match(server.stderr(), /SIGTERM: shutting down/);
  });
});
