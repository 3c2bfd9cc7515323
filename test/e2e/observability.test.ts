/**
 * Metrics on their own listener (METRICS_PORT), the series count bounded whatever the
 * users, the audit line per tool call, OpenTelemetry spans exported over OTLP/HTTP (JSON) — all
 * against the fake IdP on loopback (JWKS, userinfo, M2M token, Management API), real HTTP throughout.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFakeIdp, type FakeIdp } from '../../bench/support/fake-idp.js';
import { parseMetrics, scrape, valueOf } from '../support/metrics-text.js';
import { post2026_07_28, request2026_07_28 } from '../support/requests-2026-07-28.js';
import { bearer, mcpWhoami, openMcpSession, openSseSession, postMcp, postMessage, startAgainst, whoamiCall, type TestServer } from '../support/security.js';

const tcpServers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
const M = 'logto_whoami_';

let idp: FakeIdp;
before(async () => {
  idp = await startFakeIdp();
});
after(async () => {
  await idp?.close();
});

const m2mEnv = () => ({ LOGTO_M2M_APP_ID: idp.m2m.appId, LOGTO_M2M_APP_SECRET: idp.m2m.appSecret, UPSTREAM_TIMEOUT_MS: '5000' });

function user(sub: string): void {
  if (!idp.managementUsers.has(sub)) idp.managementUsers.set(sub, { user: { id: sub, username: `name-of-${sub}` }, roles: [], organizations: [] });
}

async function whoami2026_07_28(server: TestServer, token: string, id = 1): Promise<number> {
  const body = request2026_07_28('tools/call', { name: 'whoami', arguments: {} }, id);
  const r = await post2026_07_28(server.mcpUrl, body, bearer(token));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json?.['result']?.isError, undefined, r.text);
  return r.status;
}

describe('metrics: METRICS_PORT', () => {
  it('unset → no listener (only the public one), and /metrics is never served on the public port', async () => {
    const before = tcpServers();
    const server = await startAgainst(idp);
    try {
      assert.equal(server.metricsUrl, undefined);
      assert.equal(tcpServers() - before, 1, 'one listener: the public port');
      const res = await fetch(new URL('/metrics', server.url));
      assert.equal(res.status, 404);
      await res.body?.cancel();
    } finally {
      await server.close();
    }
    const withMetrics = await startAgainst(idp, { METRICS_PORT: '0' });
    try {
      assert.match(withMetrics.metricsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/, 'METRICS_HOST defaults to loopback');
      assert.equal(tcpServers() - before, 2, 'the public listener and the metrics listener');
      const res = await fetch(new URL('/metrics', withMetrics.url));
      assert.equal(res.status, 404, 'still not on the public port');
      await res.body?.cancel();
      const other = await fetch(withMetrics.metricsUrl!.replace('/metrics', '/'));
      assert.equal(other.status, 404);
      await other.body?.cancel();
    } finally {
      await withMetrics.close();
    }
  });

  it('the metrics move as calls are made: requests, tool calls per era and transport, refusals, upstream calls, caches, sessions, process', async () => {
    const server = await startAgainst(idp, { METRICS_PORT: '0', ...m2mEnv() });
    try {
      const url = server.metricsUrl!;
      const start = (await scrape(url)).samples;
      assert.ok(valueOf(start, 'process_cpu_user_seconds_total') > 0, 'default process metrics');
      assert.ok(valueOf(start, `${M}upstream_request_duration_seconds_count`, { target: 'discovery', outcome: 'ok' }) >= 1, 'discovery counted');
      assert.equal(valueOf(start, `${M}auth_refusals_total`, { reason: 'expired', token_kind: 'jwt' }), 0, 'refusal series exist at 0');

      user('metrics-alice');
      const jwt = await idp.accessToken('metrics-alice', server.resources.mcp);
      // 2025 Streamable, with a session: 3 calls.
      const sid = await openMcpSession(server, jwt);
      for (let i = 0; i < 3; i++) assert.equal((await mcpWhoami(server, jwt, sid, 10 + i)).sub, 'metrics-alice');
      let s = (await scrape(url)).samples;
      assert.equal(valueOf(s, `${M}open_sessions`, { transport: 'streamable-http' }), 1);
      assert.equal(valueOf(s, `${M}tool_calls_total`, { tool: 'whoami', era: '2025', transport: 'streamable-http', outcome: 'ok' }), 3);
      // 2026-07-28: 2 calls.
      await whoami2026_07_28(server, jwt, 1);
      await whoami2026_07_28(server, jwt, 2);
      // 2024-11-05 SSE: 1 call, its result on the stream.
      const sse = await openSseSession(server, jwt);
      const posted = await postMessage(server, jwt, sse.sessionId, whoamiCall(5));
      assert.equal(posted.status, 202);
      await posted.body?.cancel();
      await sse.stream.waitFor((e) => e.event === 'message' && JSON.parse(e.data).id === 5);
      s = (await scrape(url)).samples;
      assert.equal(valueOf(s, `${M}tool_calls_total`, { tool: 'whoami', era: '2026-07-28', transport: 'streamable-http', outcome: 'ok' }), 2);
      assert.equal(valueOf(s, `${M}tool_calls_total`, { tool: 'whoami', era: '2024-11-05', transport: 'sse', outcome: 'ok' }), 1);
      assert.equal(valueOf(s, `${M}tool_call_duration_seconds_count`, { tool: 'whoami', era: '2025' }), 3);
      assert.equal(valueOf(s, `${M}open_sessions`, { transport: 'sse' }), 1);
      assert.ok(valueOf(s, `${M}http_requests_total`, { route: '/mcp', method: 'POST', status: '200', era: '2025' }) >= 4, 'initialize + 3 calls');
      assert.equal(valueOf(s, `${M}http_requests_total`, { route: '/mcp', method: 'POST', status: '200', era: '2026-07-28' }), 2);
      assert.ok(valueOf(s, `${M}http_requests_total`, { route: '/messages', method: 'POST', status: '202', era: '2024-11-05' }) >= 3);
      // One JWT: one JWKS fetch, then local cache hits; the Management API asked once (profile cached), one M2M token.
      assert.equal(valueOf(s, `${M}upstream_request_duration_seconds_count`, { target: 'jwks', outcome: 'ok' }), 1);
      assert.equal(valueOf(s, `${M}upstream_request_duration_seconds_count`, { target: 'm2m_token', outcome: 'ok' }), 1);
      assert.ok(valueOf(s, `${M}upstream_request_duration_seconds_count`, { target: 'management_api', outcome: 'ok' }) >= 1);
      assert.equal(valueOf(s, `${M}validation_cache_lookups_total`, { level: 'local', result: 'miss' }), 1);
      assert.ok(valueOf(s, `${M}validation_cache_lookups_total`, { level: 'local', result: 'hit' }) >= 8);
      sse.stream.abort.abort();

      // An opaque token: one userinfo call, then hits.
      const opaque = idp.opaqueToken({ sub: 'metrics-opaque' });
      await whoami2026_07_28(server, opaque, 3);
      await whoami2026_07_28(server, opaque, 4);
      // Refusals, by reason and token kind.
      const refuse = async (headers: Record<string, string>, status: number) => {
        const r = await postMcp(server, whoamiCall(), headers);
        assert.equal(r.status, status);
        await r.body?.cancel();
      };
      await refuse({}, 401);
      await refuse(bearer(await idp.accessToken('metrics-alice', server.resources.mcp, { exp: Math.floor(Date.now() / 1000) - 600, iat: Math.floor(Date.now() / 1000) - 4000 })), 401);
      await refuse(bearer(await idp.accessToken('metrics-alice', 'https://another.example/api')), 401);
      idp.fault.userinfo = '401';
      await refuse(bearer(idp.opaqueToken({ sub: 'x' })), 401);
      idp.fault.userinfo = 'ok';
      s = (await scrape(url)).samples;
      assert.equal(valueOf(s, `${M}upstream_request_duration_seconds_count`, { target: 'userinfo', outcome: 'ok' }), 1);
      assert.equal(valueOf(s, `${M}upstream_request_duration_seconds_count`, { target: 'userinfo', outcome: 'http_4xx' }), 1);
      assert.equal(valueOf(s, `${M}auth_refusals_total`, { reason: 'no_token', token_kind: 'none' }), 1);
      assert.equal(valueOf(s, `${M}auth_refusals_total`, { reason: 'expired', token_kind: 'jwt' }), 1);
      assert.equal(valueOf(s, `${M}auth_refusals_total`, { reason: 'wrong_audience', token_kind: 'jwt' }), 1);
      assert.equal(valueOf(s, `${M}auth_refusals_total`, { reason: 'rejected_by_idp', token_kind: 'opaque' }), 1);
      assert.equal(valueOf(s, `${M}http_requests_total`, { route: '/mcp', method: 'POST', status: '401', era: 'none' }), 4);
      assert.ok(valueOf(s, `${M}upstream_request_duration_seconds_bucket`, { target: 'userinfo', outcome: 'ok', le: '+Inf' }) === 1, 'a latency histogram');
    } finally {
      await server.close();
    }
  });

  it('the series count stays flat over 1,000 calls by 100 users, and no label names a user or a token', async (t) => {
    const server = await startAgainst(idp, { METRICS_PORT: '0', ...m2mEnv() });
    const secrets: string[] = [];
    // Ten calls per user, the same mix for everyone: JWT on 2026-07-28 and 2025 stateless, an opaque token.
    const callsFor = async (n: number) => {
      const sub = `series-user-${n}`;
      user(sub);
      const jwt = await idp.accessToken(sub, server.resources.mcp);
      const opaque = idp.opaqueToken({ sub });
      secrets.push(sub, jwt, opaque);
      for (let i = 0; i < 4; i++) await whoami2026_07_28(server, jwt, i);
      for (let i = 0; i < 3; i++) await whoami2026_07_28(server, opaque, i);
      for (let i = 0; i < 3; i++) {
        const r = await postMcp(server, whoamiCall(i), { ...bearer(jwt), 'mcp-protocol-version': '2025-06-18' });
        assert.equal(r.status, 400, 'no session: refused by the 2025 leg (a request, not a tool call)');
        await r.body?.cancel();
      }
    };
    const ours = (text: string) => parseMetrics(text).filter((x) => x.name.startsWith(M));
    try {
      for (let n = 0; n < 10; n++) await callsFor(n);
      const first = ours((await scrape(server.metricsUrl!)).text);
      for (let n = 10; n < 100; n++) await callsFor(n);
      const { text } = await scrape(server.metricsUrl!);
      const last = ours(text);
      const calls = valueOf(last, `${M}tool_calls_total`, { tool: 'whoami', era: '2026-07-28', transport: 'streamable-http', outcome: 'ok' });
      assert.equal(calls, 700);
      assert.equal(valueOf(last, `${M}http_requests_total`, { route: '/mcp', method: 'POST', status: '400', era: '2025' }), 300);
      assert.equal(last.length, first.length, `series after 100 calls by 10 users: ${first.length}; after 1,000 by 100: ${last.length}`);
      assert.deepEqual(
        last.map((x) => `${x.name}${JSON.stringify(x.labels)}`),
        first.map((x) => `${x.name}${JSON.stringify(x.labels)}`),
      );
      for (const secret of secrets) assert.ok(!text.includes(secret), `the metrics name ${secret.slice(0, 20)}…`);
      t.diagnostic(`series: ${first.length} logto_whoami_* series after 100 calls by 10 users, ${last.length} after 1,000 calls by 100 users; ${parseMetrics(text).length} with the process metrics`);
    } finally {
      await server.close();
    }
  });
});

describe('audit line', () => {
  const auditLines = (server: TestServer) =>
    server.logs.text
      .split('\n')
      .filter((l) => l.includes('"audit":"tool_call"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('one info line per tool call: time, issuer, subject, client id, tool, era, transport, outcome, duration — never the token or a profile field', async () => {
    const server = await startAgainst(idp, { LOG_LEVEL: 'info', WHOAMI_PROFILE_FIELDS: 'username,email', ...m2mEnv() });
    try {
      user('audit-bob');
      const jwt = await idp.accessToken('audit-bob', server.resources.mcp, { client_id: 'audit-client' });
      await whoami2026_07_28(server, jwt, 1);
      const sid = await openMcpSession(server, jwt);
      await mcpWhoami(server, jwt, sid, 2);
      const lines = auditLines(server);
      assert.equal(lines.length, 2);
      for (const line of lines) {
        assert.equal(line['level'], 30, 'info');
        assert.equal(typeof line['time'], 'number');
        assert.equal(line['iss'], idp.issuer);
        assert.equal(line['sub'], 'audit-bob');
        assert.equal(line['client_id'], 'audit-client');
        assert.equal(line['tool'], 'whoami');
        assert.equal(line['transport'], 'streamable-http');
        assert.equal(line['outcome'], 'ok');
        assert.equal(typeof line['ms'], 'number');
        assert.deepEqual(Object.keys(line).sort(), ['audit', 'client_id', 'era', 'iss', 'level', 'ms', 'msg', 'outcome', 'service', 'sub', 'time', 'tool', 'transport'].sort());
      }
      assert.deepEqual(lines.map((l) => l['era']), ['2026-07-28', '2025']);
      assert.ok(!server.logs.text.includes(jwt), 'the token is in the log');
      assert.ok(!server.logs.text.includes('name-of-audit-bob'), 'a profile field is in the log');
    } finally {
      await server.close();
    }
  });

  it('AUDIT_LOG=false: no audit line', async () => {
    const server = await startAgainst(idp, { LOG_LEVEL: 'info', AUDIT_LOG: 'false' });
    try {
      await whoami2026_07_28(server, await idp.accessToken('audit-off', server.resources.mcp), 1);
      assert.equal(auditLines(server).length, 0);
      assert.match(server.logs.text, /"msg":"request"/, 'the request line is still there');
    } finally {
      await server.close();
    }
  });
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  links?: Array<{ traceId: string; spanId: string }>;
}

/** A loopback OTLP/HTTP receiver: every JSON export it was sent. */
async function startReceiver(): Promise<{ url: string; exports: Array<{ headers: IncomingHttpHeaders; body: any }>; server: Server }> {
  const exports: Array<{ headers: IncomingHttpHeaders; body: any }> = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString()));
    req.on('end', () => {
      exports.push({ headers: req.headers, body: req.url === '/v1/traces' ? JSON.parse(data) : { wrongPath: req.url } });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports, server };
}

const attr = (span: OtlpSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : (v['stringValue'] ?? v['intValue'] ?? v['boolValue']);
};

describe('traces: OTLP/HTTP (JSON) to a loopback receiver', () => {
  it('a server span per MCP request with the MCP attributes, the client traceparent as parent, child spans for upstream calls, traceparent sent upstream', async () => {
    const receiver = await startReceiver();
    const sentUpstream: Array<{ path: string; traceparent: string | null }> = [];
    const recordingFetch: typeof fetch = (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      sentUpstream.push({ path: new URL(request.url).pathname, traceparent: request.headers.get('traceparent') });
      return fetch(request);
    };
    const server = await startAgainst(idp, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'whoami-under-test', ...m2mEnv() }, true, { fetch: recordingFetch });
    const clientTrace = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const clientSpan = '0102030405060708';
    const metaTrace = 'ffeeddccbbaa99887766554433221100';
    let sid: string;
    try {
      user('trace-carol');
      const opaque = idp.opaqueToken({ sub: 'trace-carol' });
      // 2025 Streamable: initialize, then a tools/call carrying the client's traceparent (and one in params._meta).
      sid = await openMcpSession(server, opaque);
      const call = { ...whoamiCall(9), params: { name: 'whoami', arguments: {}, _meta: { traceparent: `00-${metaTrace}-1112131415161718-01` } } };
      // A second token of the same user (the session is the user's): not validated yet, so the gate asks userinfo.
      const res = await postMcp(server, call, { ...bearer(idp.opaqueToken({ sub: 'trace-carol' })), 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18', traceparent: `00-${clientTrace}-${clientSpan}-01` });
      assert.equal(res.status, 200);
      await res.body?.cancel();
      // 2026-07-28, without a traceparent: a root span of its own.
      const jwt = await idp.accessToken('trace-carol', server.resources.mcp);
      await whoami2026_07_28(server, jwt, 3);
    } finally {
      await server.close(); // flushes the batch
      receiver.server.close();
    }
    const spans: OtlpSpan[] = [];
    let serviceName: unknown;
    for (const e of receiver.exports) {
      assert.equal(e.headers['content-type'], 'application/json', 'the JSON protocol');
      for (const rs of e.body.resourceSpans ?? []) {
        serviceName ??= rs.resource.attributes.find((a: { key: string }) => a.key === 'service.name')?.value.stringValue;
        for (const ss of rs.scopeSpans) spans.push(...(ss.spans as OtlpSpan[]));
      }
    }
    assert.equal(serviceName, 'whoami-under-test');
    const server_ = spans.find((s) => s.traceId === clientTrace && s.kind === 2);
    assert.ok(server_, `a server span in the client's trace: ${spans.map((s) => `${s.name}/${s.kind}/${s.traceId}`).join(', ')}`);
    assert.equal(server_.name, 'tools/call whoami');
    assert.equal(server_.parentSpanId, clientSpan, "the client's span is the parent");
    assert.equal(attr(server_, 'mcp.method.name'), 'tools/call');
    assert.equal(attr(server_, 'gen_ai.tool.name'), 'whoami');
    assert.equal(attr(server_, 'gen_ai.operation.name'), 'execute_tool');
    assert.equal(attr(server_, 'mcp.protocol.version'), '2025-06-18');
    assert.equal(attr(server_, 'jsonrpc.request.id'), '9');
    assert.equal(attr(server_, 'network.transport'), 'tcp');
    assert.equal(attr(server_, 'logto_whoami.era'), '2025');
    assert.equal(attr(server_, 'logto_whoami.transport'), 'streamable-http');
    assert.match(String(attr(server_, 'mcp.session.id')), /^[A-Za-z0-9_-]{16}$/, 'a tag, not the session id');
    assert.notEqual(attr(server_, 'mcp.session.id'), sid!);
    assert.ok(server_.links?.some((l) => l.traceId === metaTrace), 'params._meta.traceparent is linked');
    // The IdP calls made for this request are its children: userinfo (the gate), M2M token and Management API (the tool).
    const children = spans.filter((s) => s.parentSpanId === server_.spanId);
    const targets = children.map((s) => attr(s, 'logto_whoami.upstream.target')).sort();
    assert.ok(children.every((s) => s.kind === 3 && s.traceId === clientTrace), 'client spans in the same trace');
    for (const t of ['userinfo', 'm2m_token', 'management_api']) assert.ok(targets.includes(t), `a ${t} child span: ${targets.join(', ')}`);
    // …and the traceparent went out with the upstream requests, naming those children.
    const userinfoChild = children.find((s) => attr(s, 'logto_whoami.upstream.target') === 'userinfo')!;
    assert.ok(sentUpstream.some((u) => u.path.endsWith('/me') && u.traceparent === `00-${clientTrace}-${userinfoChild.spanId}-01`), JSON.stringify(sentUpstream));
    assert.ok(sentUpstream.some((u) => u.path.startsWith('/api/users/') && u.traceparent?.startsWith(`00-${clientTrace}-`)));
    // The 2026-07-28 call: its own trace, era and version attributes, a JWKS child.
    const span2026_07_28 = spans.find((s) => s.kind === 2 && attr(s, 'logto_whoami.era') === '2026-07-28');
    assert.ok(span2026_07_28);
    assert.equal(span2026_07_28.name, 'tools/call whoami');
    assert.equal(span2026_07_28.parentSpanId ?? '', '');
    assert.equal(attr(span2026_07_28, 'mcp.protocol.version'), '2026-07-28');
    assert.ok(spans.some((s) => s.parentSpanId === span2026_07_28.spanId && attr(s, 'logto_whoami.upstream.target') === 'jwks'));
  });
});
