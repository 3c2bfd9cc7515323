import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startFakeIdp, type FakeIdp } from '../../bench/support/fake-idp.js';
import {
  bearer,
  eventually,
  INIT,
  mcpWhoami,
  openMcpSession,
  openSse,
  openSseSession,
  postMcp,
  postMessage,
  startAgainst,
  whoamiCall,
  type TestServer,
} from '../support/security.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A socket that writes `chunks` one every `everyMs` and reports when the server hangs up. */
function dribble(port: number, chunks: string[], everyMs: number): { closedAfter: Promise<number>; socket: Socket; received: () => string } {
  const socket = connect(port, '127.0.0.1');
  const started = Date.now();
  let data = '';
  let i = 0;
  const timer = setInterval(() => {
    if (i < chunks.length && !socket.destroyed) socket.write(chunks[i++]!);
  }, everyMs);
  socket.on('data', (d) => (data += d.toString()));
  socket.on('error', () => {});
  const closedAfter = new Promise<number>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    }),
  );
  return { closedAfter, socket, received: () => data };
}

describe('Resource limits (OWASP API4 "unrestricted resource consumption", MCP security best practices)', () => {
  let idp: FakeIdp;
  let server: TestServer;
  let alice: string;

  before(async () => {
    idp = await startFakeIdp();
    server = await startAgainst(idp, { MAX_BODY_BYTES: '2048', MAX_SESSIONS_PER_SUBJECT: '2', MAX_SESSIONS: '4' }, true, {
      httpTimeouts: { headersMs: 1000, requestMs: 1500 },
    });
    alice = await idp.accessToken('limits-alice', server.resources.mcp);
  });
  after(async () => {
    await server.close();
    await idp.close();
  });

  it('OWASP API4: request bodies over MAX_BODY_BYTES → 413 on /mcp and /messages, declared or chunked', async () => {
    const big = JSON.stringify({ ...whoamiCall(1), params: { name: 'whoami', arguments: { pad: 'x'.repeat(10_000) } } });
    const declared = await postMcp(server, big, bearer(alice));
    await declared.body?.cancel();
    assert.equal(declared.status, 413);
    const chunked = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...bearer(alice), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1000)));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    await chunked.body?.cancel();
    assert.equal(chunked.status, 413);
    const s = await openSse(server, alice);
    const msg = await fetch(new URL(`/messages?sessionId=${s.sessionId}`, server.url), { method: 'POST', headers: { ...bearer(alice), 'content-type': 'application/json' }, body: big });
    await msg.body?.cancel();
    assert.equal(msg.status, 413);
    s.stream.close();
    await eventually(() => server.sessions.size === 0, 5000, 'the SSE session to go');
  });

  it('OWASP API4 / MCP security best practices: per-subject cap → 429 + Retry-After, global cap → 503 + Retry-After, on both transports', async () => {
    const bob = await idp.accessToken('limits-bob', server.resources.mcp);
    const carol = await idp.accessToken('limits-carol', server.resources.mcp);
    const a1 = await openMcpSession(server, alice);
    const a2 = await openSseSession(server, alice);
    const third = await postMcp(server, INIT, bearer(alice));
    await third.body?.cancel();
    assert.equal(third.status, 429);
    assert.ok(third.headers.get('retry-after'));
    const thirdSse = await fetch(server.sseUrl, { headers: bearer(alice) });
    await thirdSse.body?.cancel();
    assert.equal(thirdSse.status, 429);
    const b1 = await openMcpSession(server, bob);
    const b2 = await openMcpSession(server, bob);
    const full = await postMcp(server, INIT, bearer(carol));
    await full.body?.cancel();
    assert.equal(full.status, 503);
    assert.ok(full.headers.get('retry-after'));
    const fullSse = await fetch(server.sseUrl, { headers: bearer(carol) });
    await fullSse.body?.cancel();
    assert.equal(fullSse.status, 503);
    // Existing sessions are unaffected; freeing one makes room.
    assert.equal((await mcpWhoami(server, alice, a1)).status, 200);
    await fetch(server.mcpUrl, { method: 'DELETE', headers: { ...bearer(bob), 'mcp-session-id': b1 } });
    const c1 = await openMcpSession(server, carol);
    for (const [t, id] of [[alice, a1], [bob, b2], [carol, c1]] as const) await fetch(server.mcpUrl, { method: 'DELETE', headers: { ...bearer(t), 'mcp-session-id': id } });
    a2.stream.close();
    await eventually(() => server.sessions.size === 0, 5000, 'all sessions to go');
  });

  it('OWASP API4 / RFC 9110 §15.5.9: slow-header (slowloris) clients are cut off by headersTimeout; others are served meanwhile', async () => {
    const header = `GET /sse HTTP/1.1\r\nHost: localhost:${server.port}\r\nAuthorization: Bearer ${alice}\r\n`;
    const slow = Array.from({ length: 20 }, () => dribble(server.port, [...header.slice(0, 60)].map((ch) => ch), 100));
    const res = await postMcp(server, INIT, bearer(alice));
    assert.equal(res.status, 200, 'a normal client is served during the attack');
    await res.body?.cancel();
    const closed = await Promise.all(slow.map((s) => s.closedAfter));
    for (const ms of closed) assert.ok(ms < 5000, `cut off after ${ms} ms`);
    await fetch(server.mcpUrl, { method: 'DELETE', headers: { ...bearer(alice), 'mcp-session-id': res.headers.get('mcp-session-id')! } });
  });

  it('OWASP API4: slow-body clients are cut off by requestTimeout; others are served meanwhile', async () => {
    const body = JSON.stringify(whoamiCall(1));
    const head = `POST /mcp HTTP/1.1\r\nHost: localhost:${server.port}\r\nAuthorization: Bearer ${alice}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n`;
    const slow = Array.from({ length: 10 }, () => dribble(server.port, [head, ...body], 200));
    const id = await openMcpSession(server, alice);
    assert.equal((await mcpWhoami(server, alice, id)).status, 200);
    const closed = await Promise.all(slow.map((s) => s.closedAfter));
    for (const ms of closed) assert.ok(ms < 6000, `cut off after ${ms} ms`);
    await fetch(server.mcpUrl, { method: 'DELETE', headers: { ...bearer(alice), 'mcp-session-id': id } });
  });

  it('MCP transports: long-lived SSE streams are NOT cut by the request timeout', async () => {
    const s = await openSseSession(server, alice);
    await new Promise((r) => setTimeout(r, 2500)); // > requestTimeout (1.5 s) and headersTimeout
    assert.equal(s.stream.ended, false);
    const res = await postMessage(server, alice, s.sessionId, whoamiCall(3));
    assert.equal(res.status, 202);
    await s.stream.waitFor((e) => e.event === 'message' && JSON.parse(e.data).id === 3);
    s.stream.close();
    await eventually(() => server.sessions.size === 0, 5000, 'the SSE session to go');
  });

  it('OWASP API4: aborted SSE streams are cleaned up (sessions and caps released)', async () => {
    const bob = await idp.accessToken('limits-abort', server.resources.mcp);
    for (let round = 0; round < 5; round++) {
      const a = await openSse(server, bob);
      const b = await openSse(server, bob);
      a.stream.close();
      b.stream.close();
      await eventually(() => server.sessions.size === 0, 5000, 'aborted sessions to be removed');
    }
    // The per-subject cap (2) would refuse a third if aborted ones lingered.
    const c = await openSse(server, bob);
    c.stream.close();
    await eventually(() => server.sessions.size === 0, 5000, 'cleanup');
  });
});

describe('Idle-session expiry (MCP security best practices, OWASP API4)', () => {
  it('OWASP API4: idle sessions expire, answer 404, and their memory is really freed', async () => {
    const idp = await startFakeIdp();
    const server = await startAgainst(idp, { SESSION_IDLE_TIMEOUT: '1' });
    try {
      const token = await idp.accessToken('idle-user', server.resources.mcp);
      const id = await openMcpSession(server, token);
      const s = await openSseSession(server, token);
      const refs = server.sessions.list('streamable').concat(server.sessions.list('sse')).map((x) => new WeakRef(x.transport));
      assert.equal(refs.length, 2);
      await eventually(() => server.sessions.size === 0, 6000, 'the idle sweep');
      await s.stream.waitEnd(3000);
      assert.equal((await mcpWhoami(server, token, id)).status, 404);
      const res = await postMessage(server, token, s.sessionId, whoamiCall(1));
      await res.body?.cancel();
      assert.equal(res.status, 404);
      await eventually(
        async () => {
          gc();
          await new Promise((r) => setImmediate(r));
          return refs.every((r) => r.deref() === undefined);
        },
        5000,
        'the transports to be garbage-collected',
      );
    } finally {
      await server.close();
      await idp.close();
    }
  });
});
