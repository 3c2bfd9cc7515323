import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Identity } from '../../src/auth/authenticate.js';
import { ownerOf, SessionRegistry } from '../../src/transports/sessions.js';
import { startFakeIdp, type FakeIdp } from '../../bench/support/fake-idp.js';
import {
  bearer,
  mcpWhoami,
  openMcpSession,
  openSseSession,
  postMcp,
  postMessage,
  rawRequest,
  parseRaw,
  startAgainst,
  whoamiCall,
  INIT,
  type TestServer,
} from '../support/security.js';

const now = () => Math.floor(Date.now() / 1000);

describe('Sessions bound to iss+sub on /mcp and /sse + /messages (MCP security best practices "session hijacking", OWASP API1)', () => {
  let idp: FakeIdp;
  let foreign: FakeIdp;
  let server: TestServer;
  let alice: string;
  let bob: string;

  before(async () => {
    idp = await startFakeIdp();
    foreign = await startFakeIdp();
    server = await startAgainst(idp, { USERINFO_CACHE_TTL: '0', UPSTREAM_TIMEOUT_MS: '5000' });
    alice = await idp.accessToken('alice-sub', server.resources.mcp);
    bob = await idp.accessToken('bob-sub', server.resources.mcp);
  });
  after(async () => {
    await server.close();
    await idp.close();
    await foreign.close();
  });

  it('MCP security best practices "secure, non-deterministic session IDs": ids are random UUIDv4s, distinct across transports', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await openMcpSession(server, alice));
    const sse = await Promise.all(Array.from({ length: 5 }, () => openSseSession(server, alice)));
    ids.push(...sse.map((s) => s.sessionId));
    for (const s of sse) s.stream.close();
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const id of ids.slice(0, 10)) {
      const res = await fetch(server.mcpUrl, { method: 'DELETE', headers: { ...bearer(alice), 'mcp-session-id': id } });
      assert.equal(res.status, 200);
    }
  });

  it('MCP security best practices / OWASP API1 (BOLA): another subject on a streamable session → 404 (POST, GET, DELETE); the owner is unaffected', async () => {
    const id = await openMcpSession(server, alice);
    assert.deepEqual(await mcpWhoami(server, bob, id), { status: 404 });
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(server.mcpUrl, { method, headers: { ...bearer(bob), 'mcp-session-id': id, accept: 'text/event-stream' } });
      await res.body?.cancel();
      assert.equal(res.status, 404, method);
    }
    const me = await mcpWhoami(server, alice, id);
    assert.equal(me.status, 200);
    assert.equal(me.sub, 'alice-sub');
  });

  it('MCP security best practices / OWASP API1: another subject on an SSE session → 404, nothing reaches the owner\'s stream, the owner keeps working', async () => {
    const s = await openSseSession(server, alice);
    const seen = s.stream.events.length;
    const res = await postMessage(server, bob, s.sessionId, whoamiCall(99));
    await res.body?.cancel();
    assert.equal(res.status, 404);
    const ok = await postMessage(server, alice, s.sessionId, whoamiCall(100));
    assert.equal(ok.status, 202);
    const answer = await s.stream.waitFor((e) => e.event === 'message' && JSON.parse(e.data).id === 100);
    assert.equal(JSON.parse(answer.data).result.structuredContent.sub, 'alice-sub');
    assert.ok(!s.stream.events.slice(seen).some((e) => e.data.includes('"id":99')), "bob's request never ran on alice's session");
    s.stream.close();
  });

  it('MCP security best practices: the same sub from another issuer is another subject (owner = iss + sub)', async () => {
    const registry = new SessionRegistry({ idleTimeoutMs: 60_000, maxSessions: 10, maxPerOwner: 10 });
    const who = (issuer: string, subject: string) => ({ issuer, subject }) as Identity;
    const owner = ownerOf(who(idp.issuer, 'same'));
    registry.add({ id: 's1', kind: 'sse', owner, lastSeen: Date.now(), transport: {} as never, close: async () => {} });
    assert.ok(registry.find('s1', 'sse', ownerOf(who(idp.issuer, 'same'))));
    assert.equal(registry.find('s1', 'sse', ownerOf(who(foreign.issuer, 'same'))), undefined);
    assert.equal(registry.find('s1', 'streamable', owner), undefined, 'kind is part of the lookup');
    // Delimiter games cannot forge an owner.
    assert.notEqual(ownerOf(who('https://a', 'b\nc')), ownerOf(who('https://a\nb', 'c')));
    await registry.closeAll();
    // End to end: a token from another issuer with the same sub never gets in.
    const id = await openMcpSession(server, alice);
    const forged = await foreign.accessToken('alice-sub', server.resources.mcp, { iss: foreign.issuer });
    assert.equal((await mcpWhoami(server, forged, id)).status, 401);
  });

  it('RFC 6750 §3.1 / MCP auth: an expired token on a live session → 401 invalid_token, on both transports; the session survives', async () => {
    const expired = await idp.accessToken('alice-sub', server.resources.mcp, { exp: now() - 60 });
    const id = await openMcpSession(server, alice);
    assert.equal((await mcpWhoami(server, expired, id)).status, 401);
    const s = await openSseSession(server, alice);
    const res = await postMessage(server, expired, s.sessionId, whoamiCall(5));
    await res.body?.cancel();
    assert.equal(res.status, 401);
    assert.equal((await mcpWhoami(server, alice, id)).status, 200);
    assert.equal((await postMessage(server, alice, s.sessionId, whoamiCall(6))).status, 202);
    await s.stream.waitFor((e) => e.event === 'message' && JSON.parse(e.data).id === 6);
    s.stream.close();
  });

  it('MCP transports §session management: unknown or terminated sessions → 404', async () => {
    assert.equal((await mcpWhoami(server, alice, crypto.randomUUID())).status, 404);
    const id = await openMcpSession(server, alice);
    const del = await fetch(server.mcpUrl, { method: 'DELETE', headers: { ...bearer(alice), 'mcp-session-id': id } });
    assert.equal(del.status, 200);
    assert.equal((await mcpWhoami(server, alice, id)).status, 404);
    const s = await openSseSession(server, alice);
    s.stream.close();
    const deadline = Date.now() + 5000;
    let status = 202;
    while (status !== 404 && Date.now() < deadline) {
      const res = await postMessage(server, alice, s.sessionId, whoamiCall(1));
      await res.body?.cancel();
      status = res.status;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 404, 'a closed SSE session is gone');
    const unknown = await postMessage(server, alice, crypto.randomUUID(), whoamiCall(1));
    assert.equal(unknown.status, 404);
  });

  it('MCP security best practices (cross-client leaks): /messages without a session id → 400, never routed to "the only session"', async () => {
    const s = await openSseSession(server, alice);
    const before = s.stream.events.length;
    for (const sessionId of [undefined, '']) {
      const res = await postMessage(server, alice, sessionId, whoamiCall(42));
      await res.body?.cancel();
      assert.equal(res.status, 400);
    }
    const other = await postMessage(server, bob, undefined, whoamiCall(43));
    assert.equal(other.status, 400);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.stream.events.length, before, 'nothing was delivered to the only open stream');
    s.stream.close();
  });

  it('MCP security best practices (DNS rebinding) / MCP transports "validate Origin": bad Origin or Host → 403 with ZERO identity-provider calls', async () => {
    const fresh = idp.opaqueToken({ sub: 'never-validated' });
    const freshJwt = await idp.accessToken('never-validated', server.resources.mcp, { jti: 'n' });
    const calls = { ...idp.calls };
    for (const token of [fresh, freshJwt]) {
      for (const origin of ['https://evil.example', 'null', `http://localhost:${server.port}.evil.example`, 'http://127.0.0.2', `file://localhost`]) {
        for (const [path, method] of [['/mcp', 'POST'], ['/sse', 'GET'], ['/messages?sessionId=x', 'POST']] as const) {
          const res = await fetch(new URL(path, server.url), {
            method,
            headers: { ...bearer(token), origin, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            ...(method === 'POST' ? { body: JSON.stringify(INIT) } : {}),
          });
          await res.body?.cancel();
          assert.equal(res.status, 403, `${origin} ${path}`);
        }
      }
      for (const host of ['evil.example', `localhost.evil.example:${server.port}`, `127.0.0.2:${server.port}`, '']) {
        const raw = parseRaw(await rawRequest(server.port, `GET /sse HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`));
        assert.ok([400, 403].includes(raw.status), `host ${host}: ${raw.status}`);
      }
    }
    assert.deepEqual(idp.calls, calls, 'no discovery, JWKS or userinfo call');
    // Control: the allowed origin passes.
    const res = await postMcp(server, INIT, { ...bearer(alice), origin: server.url });
    await res.body?.cancel();
    assert.equal(res.status, 200);
  });

  it('MCP security best practices (DNS rebinding) / SDK localhostHostValidation: on loopback Host and Origin are judged by host NAME, any port (a transparent local proxy passes)', async () => {
    const calls = idp.calls.userinfo;
    for (const host of [`localhost:${server.port}`, 'localhost:1', '127.0.0.1:65000', '[::1]:8443', 'LOCALHOST', '127.0.0.1']) {
      const raw = parseRaw(await rawRequest(server.port, `GET /sse HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
      assert.equal(raw.status, 401, `host ${host} passes the guard and gets the challenge`);
    }
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:1', 'https://[::1]:8443', 'http://localhost']) {
      const body = JSON.stringify(INIT);
      const raw = parseRaw(
        await rawRequest(
          server.port,
          `POST /mcp HTTP/1.1\r\nHost: localhost:9\r\nOrigin: ${origin}\r\nAuthorization: Bearer ${alice}\r\nContent-Type: application/json\r\n` +
            `Accept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        ),
      );
      assert.equal(raw.status, 200, origin);
    }
    assert.equal(idp.calls.userinfo, calls, 'alice holds a JWT: still no identity-provider call');
  });

  it('MCP security best practices (cross-client response leak, CVE-2026-25536): many users with the same JSON-RPC id each get their own sub', async () => {
    const users = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const sub = `user-${i}`;
        const token = i % 2 ? await idp.accessToken(sub, server.resources.mcp) : idp.opaqueToken({ sub });
        return { sub, token };
      }),
    );
    const streamable = await Promise.all(users.map(async (u) => ({ ...u, id: await openMcpSession(server, u.token) })));
    const sse = await Promise.all(users.map(async (u) => ({ ...u, s: await openSseSession(server, u.token) })));
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([
        ...streamable.map(async (u) => ({ want: u.sub, got: (await mcpWhoami(server, u.token, u.id, 1)).sub })),
        ...sse.map(async (u) => {
          const seen = u.s.stream.events.length;
          const res = await postMessage(server, u.token, u.s.sessionId, whoamiCall(1));
          assert.equal(res.status, 202);
          const e = await u.s.stream.waitFor((ev, ) => ev.event === 'message' && u.s.stream.events.indexOf(ev) >= seen && JSON.parse(ev.data).id === 1);
          return { want: u.sub, got: JSON.parse(e.data).result.structuredContent.sub as string };
        }),
      ]);
      for (const r of results) assert.equal(r.got, r.want);
    }
    for (const u of sse) u.s.stream.close();
  });

  it('MCP security best practices / OWASP API2: a userinfo sub that changes never moves a session to another subject', async () => {
    const token = idp.opaqueToken((call) => ({ sub: call <= 2 ? 'first-sub' : 'second-sub' }));
    const id = await openMcpSession(server, token); // calls 1 and 2 (TTL 0: no cache)
    const res = await mcpWhoami(server, token, id);
    assert.equal(res.status, 404, 'the session belongs to first-sub');
  });
});

describe('Stateless Streamable HTTP (MCP_STATELESS=true)', () => {
  let idp: FakeIdp;
  let server: TestServer;
  before(async () => {
    idp = await startFakeIdp();
    server = await startAgainst(idp, { MCP_STATELESS: 'true' });
  });
  after(async () => {
    await server.close();
    await idp.close();
  });

  it('MCP security best practices (CVE-2026-25536): concurrent stateless calls with the same JSON-RPC id each get their own sub', async () => {
    const users = await Promise.all(Array.from({ length: 30 }, async (_, i) => ({ sub: `stateless-${i}`, token: await idp.accessToken(`stateless-${i}`, server.resources.mcp) })));
    const results = await Promise.all(
      users.map(async (u) => {
        const init = await postMcp(server, INIT, bearer(u.token));
        await init.body?.cancel();
        const res = await postMcp(server, whoamiCall(1), bearer(u.token));
        const body = (await res.json()) as { result: { structuredContent: { sub: string } } };
        return { want: u.sub, got: body.result.structuredContent.sub };
      }),
    );
    for (const r of results) assert.equal(r.got, r.want);
  });
});
