import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DiscoveryConfigError } from '../../src/oidc/errors.js';
import { startServer } from '../../src/start/start-server.js';
import { startFakeIdp, type Fault, type FakeIdp } from '../../bench/support/fake-idp.js';
import { eventually, mcpWhoami, openMcpSession, postMcp, bearer, INIT, startAgainst, type TestServer } from '../support/security.js';

const USERINFO_FAULTS: Fault[] = ['down', 'hang', 'slow', '500', '502', '404', 'html', 'huge', 'redirect', 'not-object'];
const BOUND_MS = 4000;

/** A 503 that tells the client to retry and leaks nothing about the upstream. */
async function assertUnavailable(res: Response, idp: FakeIdp, what: string): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 503, `${what}: ${res.status} ${text}`);
  assert.ok(Number(res.headers.get('retry-after')) > 0, `${what}: Retry-After`);
  assert.equal(res.headers.get('www-authenticate'), null, `${what}: not a token problem`);
  const everything = `${text}\n${headerLines(res.headers)}`;
  for (const leak of [idp.url, `:${new URL(idp.url).port}`, '127.0.0.1', '/oidc', 'at ', 'Error', 'stack', '/srv/', 'node:']) {
    assert.ok(!everything.includes(leak), `${what}: response mentions ${JSON.stringify(leak)}`);
  }
}

function headerLines(headers: Headers): string {
  const lines: string[] = [];
  headers.forEach((v, k) => lines.push(`${k}: ${v}`));
  return lines.join('\n');
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - t0 };
}

describe('Identity-provider faults: userinfo (RFC 6750 §3.1, RFC 9700 §2, MCP auth, OWASP API10 "unsafe consumption of APIs")', () => {
  let idp: FakeIdp;
  let server: TestServer;
  before(async () => {
    idp = await startFakeIdp();
    idp.slowMs = 1500; // longer than UPSTREAM_TIMEOUT_MS=500
    server = await startAgainst(idp, { USERINFO_CACHE_TTL: '60' });
  });
  after(async () => {
    await server.close();
    await idp.close();
  });

  for (const fault of USERINFO_FAULTS) {
    it(`OWASP API10 / RFC 6750 §3.1: userinfo "${fault}" → 503 + Retry-After within ${BOUND_MS} ms, no upstream detail, nothing cached`, async () => {
      const token = idp.opaqueToken({ sub: `fault-${fault}` });
      idp.fault.userinfo = fault;
      try {
        for (let attempt = 0; attempt < 2; attempt++) {
          const before = idp.calls.userinfo;
          const { value: res, ms } = await timed(() => postMcp(server, INIT, bearer(token)));
          assert.ok(ms < BOUND_MS, `answered in ${ms} ms`);
          await assertUnavailable(res, idp, fault);
          assert.equal(idp.calls.userinfo, before + 1, 'the failure was not cached: the IdP is asked again');
        }
        if (fault === 'huge') assert.ok(idp.hugeBytesWritten < 8 * 1024 * 1024, `read at most a few MiB (${idp.hugeBytesWritten})`);
      } finally {
        idp.fault.userinfo = 'ok';
      }
      const res = await postMcp(server, INIT, bearer(token));
      await res.body?.cancel();
      assert.equal(res.status, 200, 'once the IdP recovers the same token works');
    });
  }

  it('OWASP API10 / OIDC Core §5.3.2: a userinfo answer without a usable sub → 503 (not an identity), nothing cached', async () => {
    for (const answer of [{}, { sub: '' }, { sub: 42 }, { sub: null }, { name: 'no sub' }]) {
      const token = idp.opaqueToken(answer);
      for (let i = 0; i < 2; i++) await assertUnavailable(await postMcp(server, INIT, bearer(token)), idp, JSON.stringify(answer));
    }
  });

  it('RFC 6750 §3.1: userinfo 401 is the only "token rejected" answer → 401 invalid_token', async () => {
    const res = await postMcp(server, INIT, bearer('unknown-opaque-token'));
    await res.body?.cancel();
    assert.equal(res.status, 401);
  });

  it('RFC 9700 §2 / MCP auth: callers validated before an outage keep working while the IdP is down; new opaque tokens get 503', async () => {
    const opaque = idp.opaqueToken({ sub: 'steady-opaque' });
    const jwt = await idp.accessToken('steady-jwt', server.resources.mcp);
    const ids = [await openMcpSession(server, opaque), await openMcpSession(server, jwt)];
    Object.assign(idp.fault, { discovery: 'down', jwks: 'down', userinfo: 'down' });
    try {
      assert.equal((await mcpWhoami(server, opaque, ids[0]!)).sub, 'steady-opaque');
      assert.equal((await mcpWhoami(server, jwt, ids[1]!)).sub, 'steady-jwt');
      // A new JWT signed with a known key verifies offline.
      const another = await idp.accessToken('new-jwt', server.resources.mcp);
      const res = await postMcp(server, INIT, bearer(another));
      await res.body?.cancel();
      assert.equal(res.status, 200);
      await assertUnavailable(await postMcp(server, INIT, bearer(idp.opaqueToken({ sub: 'new' }))), idp, 'new opaque');
    } finally {
      Object.assign(idp.fault, { discovery: 'ok', jwks: 'ok', userinfo: 'ok' });
    }
  });
});

describe('Identity-provider faults: JWKS (RFC 8414 jwks_uri, RFC 7517, OWASP API10)', () => {
  let idp: FakeIdp;
  let server: TestServer;
  before(async () => {
    idp = await startFakeIdp();
    server = await startAgainst(idp);
  });
  after(async () => {
    await server.close();
    await idp.close();
  });

  const jwksFaults: Array<{ name: string; fault?: Fault; override?: unknown }> = [
    { name: 'down', fault: 'down' },
    { name: 'hang', fault: 'hang' },
    { name: '500', fault: '500' },
    { name: 'html', fault: 'html' },
    { name: 'redirect', fault: 'redirect' },
    { name: 'not-object', fault: 'not-object' },
    { name: 'huge', fault: 'huge' },
    { name: 'keys not an array', override: { keys: 'nope' } },
    { name: 'no keys member', override: { jwks: [] } },
  ];
  for (const f of jwksFaults) {
    it(`OWASP API10: JWKS "${f.name}" before the keys are known → 503 + Retry-After within ${BOUND_MS} ms, nothing cached`, async () => {
      const token = await idp.accessToken(`jwks-${f.name}`, server.resources.mcp);
      if (f.fault) idp.fault.jwks = f.fault;
      idp.jwksOverride = f.override;
      idp.hugeBytesWritten = 0;
      try {
        for (let attempt = 0; attempt < 2; attempt++) {
          const { value: res, ms } = await timed(() => postMcp(server, INIT, bearer(token)));
          assert.ok(ms < BOUND_MS, `answered in ${ms} ms`);
          await assertUnavailable(res, idp, f.name);
        }
        if (f.fault === 'huge') assert.ok(idp.hugeBytesWritten < 8 * 1024 * 1024, `read at most a few MiB of JWKS (${idp.hugeBytesWritten} bytes)`);
      } finally {
        idp.fault.jwks = 'ok';
        idp.jwksOverride = undefined;
      }
    });
  }

  it('RFC 7517: once the JWKS is healthy again the same token verifies', async () => {
    const token = await idp.accessToken('jwks-recovered', server.resources.mcp);
    const res = await postMcp(server, INIT, bearer(token));
    await res.body?.cancel();
    assert.equal(res.status, 200);
  });
});

describe('Identity-provider faults: discovery at start-up (RFC 8414 §3, MCP auth "authorization server discovery")', () => {
  it('RFC 8414 §3: discovery failing at start-up keeps /readyz red, answers 503 + Retry-After, retries, then turns green', async () => {
    const idp = await startFakeIdp();
    idp.fault.discovery = '500';
    const { value: server, ms } = await timed(() => startAgainst(idp, {}, false));
    try {
      assert.ok(ms < BOUND_MS, `start-up does not block on a broken IdP (${ms} ms)`);
      const ready = await fetch(`${server.url}/readyz`);
      await ready.body?.cancel();
      assert.equal(ready.status, 503);
      const mcp = await postMcp(server, INIT, bearer('whatever'));
      await mcp.body?.cancel();
      assert.equal(mcp.status, 503);
      assert.ok(mcp.headers.get('retry-after'));
      const prm = await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`);
      await prm.body?.cancel();
      assert.equal(prm.status, 503);
      for (const fault of ['hang', 'html', 'down'] as const) {
        const seen = idp.calls.discovery;
        idp.fault.discovery = fault;
        await eventually(() => idp.calls.discovery > seen, 10_000, `a retry while ${fault}`);
      }
      idp.fault.discovery = 'ok';
      await eventually(async () => (await fetch(`${server.url}/readyz`)).status === 200, 40_000, 'readiness');
      await server.ready;
    } finally {
      await server.close();
      await idp.close();
    }
  });

  it('RFC 8414 §3.3: an issuer mismatch or a redirecting discovery endpoint is a configuration error — start-up fails, no retry loop, port released', async () => {
    const idp = await startFakeIdp();
    try {
      idp.fault.discovery = 'redirect';
      await assert.rejects(startServer({ PORT: '0', LOGTO_ENDPOINT: idp.url, LOG_LEVEL: 'silent' }, { banner: false }), DiscoveryConfigError);
      idp.fault.discovery = 'ok';
      await assert.rejects(
        startServer({ PORT: '0', LOGTO_ENDPOINT: idp.url.replace('127.0.0.1', 'localhost'), LOG_LEVEL: 'silent' }, { banner: false }),
        DiscoveryConfigError,
        'issuer says 127.0.0.1, we expected localhost',
      );
    } finally {
      await idp.close();
    }
  });
});

describe('Bounded upstream load (OWASP API4 "unrestricted resource consumption", RFC 9700 §4.1)', () => {
  it('OWASP API4: a flood of random opaque tokens never has more than UPSTREAM_CONCURRENCY userinfo calls in flight, and every answer is bounded', async () => {
    const idp = await startFakeIdp();
    idp.fault.userinfo = 'slow';
    idp.slowMs = 300;
    const server = await startAgainst(idp, { UPSTREAM_CONCURRENCY: '3', UPSTREAM_TIMEOUT_MS: '1000' });
    try {
      const { value: statuses, ms } = await timed(() =>
        Promise.all(
          Array.from({ length: 40 }, async (_, i) => {
            const res = await postMcp(server, INIT, bearer(`random-opaque-token-${i}-${Math.random().toString(36).slice(2)}`));
            await res.body?.cancel();
            return res.status;
          }),
        ),
      );
      assert.ok(idp.inflight.maxUserinfo <= 3, `at most 3 in flight (saw ${idp.inflight.maxUserinfo})`);
      for (const s of statuses) assert.ok(s === 401 || s === 503, `status ${s}`);
      assert.ok(statuses.includes(503), 'the queue overflow is answered 503, not 401');
      assert.ok(ms < 10_000, `the flood was answered in ${ms} ms`);
    } finally {
      await server.close();
      await idp.close();
    }
  });

  it('OWASP API4: concurrent requests with the same cold token share one userinfo call (single flight)', async () => {
    const idp = await startFakeIdp();
    idp.fault.userinfo = 'slow';
    idp.slowMs = 200;
    const server = await startAgainst(idp, { UPSTREAM_TIMEOUT_MS: '1000', MAX_SESSIONS_PER_SUBJECT: '100' });
    try {
      const token = idp.opaqueToken({ sub: 'single-flight' });
      const statuses = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const res = await postMcp(server, INIT, bearer(token));
          await res.body?.cancel();
          return res.status;
        }),
      );
      assert.deepEqual(new Set(statuses), new Set([200]));
      assert.equal(idp.calls.userinfo, 1);
    } finally {
      await server.close();
      await idp.close();
    }
  });
});
