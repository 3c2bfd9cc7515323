/**
 * `npm run bench`: authenticated `whoami` throughput against the stack's own ceiling.
 *
 * Starts the dev IdP and the built server (`dist/`, LOGTO_ENDPOINT → that IdP) as child processes, gets real tokens through
 * the authorization-code + PKCE flow, drives load with autocannon on 127.0.0.1 (bounded in time),
 * verifies every response, and writes bench/results/latest.json + docs/bench.md.
 *
 * Environment: BENCH_DURATION (s per scenario, default 8), BENCH_WARMUP (s, default 2),
 * BENCH_CONNECTIONS (default 10), BENCH_ONLY (comma list of scenario keys: startup, jwt, opaque,
 * 2026-07-28-jwt, 2026-07-28-opaque, floor, sdk-http, mcpauth, notoken, badtoken, badtoken-unique, cold, info, observe, stateful, sse, replicas,
 * sessions), BENCH_PROF=1
 * (server children run with --cpu-prof into artifacts/prof/), BENCH_SSE_SESSIONS (default
 * 1000,5000,10000), BENCH_NO_WRITE=1 (print only). The `replicas` rows need redis-server and nginx.
 * The load average is recorded at start and end (after 75 s of idling: BENCH_SETTLE_S); a run above 1.0 at either is marked noisy (report,
 * latest.json's `load.noisy`) and does not replace docs/bench.md. `floor` runs both SDK floors.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { DEV_USERS } from '../src/dev-idp/users.js';
import { getDevToken } from '../src/dev-idp/token-helper.js';
import { startChild, type Child } from './child.js';
import { WHOAMI_HEADERS_2026_07_28, whoamiCall2026_07_28 } from './children/call-2026-07-28.js';
import { startOtlpSink } from './otlp-sink.js';
import { balancedTarget, startRedisForBench } from './replicas.js';
import { openMany, percentile, runSseLoad } from './sse.js';

const DURATION = Number(process.env['BENCH_DURATION'] ?? 8);
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 2);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 10);
const ONLY = new Set((process.env['BENCH_ONLY'] ?? '').split(',').filter(Boolean));
const PROF = process.env['BENCH_PROF'] === '1';
const SSE_LEVELS = (process.env['BENCH_SSE_SESSIONS'] ?? '1000,5000,10000').split(',').map(Number);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROTOCOL_VERSION = '2025-06-18';
const USER = DEV_USERS.find((u) => u.username === 'alice')!;
const MB = 1024 * 1024;

const want = (key: string) => ONLY.size === 0 || ONLY.has(key);
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

export interface Row {
  key: string;
  scenario: string;
  requests: number;
  reqPerSec: number;
  /** req/s over the baseline run just before this one (drift on a shared machine cancels out). */
  ratio?: number;
  /** The paired baseline run's req/s and server CPU per call. */
  baselineReqPerSec?: number;
  baselineCpuMsPerCall?: number;
  /** Baseline server CPU per call over this one's: the ratio if the server alone were the limit. */
  cpuRatio?: number;
  p50Ms: number;
  p99Ms: number;
  idpCallsPer1k: number;
  serverCpuMsPerCall: number;
  /** Share of the server's CPU time spent in the kernel (socket I/O), 0–1. */
  serverSysShare?: number;
  peakRssMb: number;
  errors: number;
  ok: boolean;
  note?: string;
}

const toolCall = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
const mcpHeaders = (token?: string): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': PROTOCOL_VERSION,
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});
const toolCall2026_07_28 = (id: number) => JSON.stringify(whoamiCall2026_07_28(id));
const headers2026_07_28 = (token?: string): Record<string, string> => ({ ...mcpHeaders(token), ...WHOAMI_HEADERS_2026_07_28 });
const subNeedle = `"sub":"${USER.sub}"`;
const hasSub = (body: string) => body.includes(subNeedle) && !body.includes('"isError":true');
/** The mcp-auth server's whoami puts the claims in the text content: JSON inside a JSON string, quotes escaped. */
const escapedSubNeedle = JSON.stringify(subNeedle).slice(1, -1);
const hasEscapedSub = (body: string) => body.includes(escapedSubNeedle) && !body.includes('"isError":true');

const upstreamTotal = (u: Record<string, number>) => Object.values(u).reduce((a, b) => a + b, 0);

/** Runs the baseline once more; set once the baseline child is up. */
let pairBaseline: (() => Promise<Row>) | undefined;
const pairedBaselines: Row[] = [];

/** Records the paired baseline run on `row` (call just before measuring it). */
async function pairWithBaseline(): Promise<Pick<Row, 'baselineReqPerSec' | 'baselineCpuMsPerCall'>> {
  if (!pairBaseline) return {};
  const b = await pairBaseline();
  pairedBaselines.push(b);
  return { baselineReqPerSec: b.reqPerSec, baselineCpuMsPerCall: b.serverCpuMsPerCall };
}

/** One autocannon scenario against `target`: warm-up (not recorded), then the measured run. */
async function cannon(
  target: Child,
  key: string,
  scenario: string,
  o: {
    headers: Record<string, string>;
    body: string;
    expect: 'ok' | 'rejected';
    verify: (body: string) => boolean;
    setupRequest?: autocannon.Request['setupRequest'];
  },
): Promise<Row> {
  const url = target.info['mcpUrl']!.replace('localhost', '127.0.0.1');
  const options = (duration: number): autocannon.Options => ({
    url,
    connections: CONNECTIONS,
    duration,
    // Seconds before a request counts as timed out; the run itself stops at `duration`.
    timeout: 10,
    method: 'POST',
    headers: o.headers,
    body: o.body,
    verifyBody: (body) => o.verify(String(body ?? '')),
    ...(o.setupRequest ? { requests: [{ method: 'POST', setupRequest: o.setupRequest }] } : {}),
  });
  const paired = key.startsWith('baseline') ? {} : await pairWithBaseline();
  if (WARMUP > 0) await autocannon(options(WARMUP));
  const before = await target.stats({ reset: true });
  const r = await autocannon(options(DURATION));
  const after = await target.stats();
  const total = r.requests.total;
  const wrongStatus = o.expect === 'ok' ? r.non2xx : r['2xx'];
  const errors = r.errors + r.timeouts + r.mismatches + wrongStatus;
  const idp = upstreamTotal(after.upstream) - upstreamTotal(before.upstream);
  const row: Row = {
    key,
    scenario,
    requests: total,
    reqPerSec: Math.round(total / r.duration),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    idpCallsPer1k: total ? Math.round((idp / total) * 1000 * 100) / 100 : 0,
    serverCpuMsPerCall: total ? Math.round(((after.cpuMicros - before.cpuMicros) / 1000 / total) * 1000) / 1000 : 0,
    serverSysShare: Math.round(((after.sysMicros - before.sysMicros) / Math.max(1, after.cpuMicros - before.cpuMicros)) * 100) / 100,
    peakRssMb: Math.round(after.peakRss / MB),
    errors,
    ok: errors === 0 && total > 0,
    ...paired,
  };
  log(`${scenario}: ${row.reqPerSec} req/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, errors ${errors}, IdP calls ${idp}, server CPU ${row.serverCpuMsPerCall} ms/call (${Math.round((row.serverSysShare ?? 0) * 100)}% kernel)`);
  return row;
}

/** `count` 2025 Streamable sessions for `token`, opened through `mcpUrl` (initialize + initialized). */
async function openSessions(mcpUrl: string, token: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const init = await fetch(mcpUrl, {
      method: 'POST',
      headers: mcpHeaders(token),
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }),
    });
    const sid = init.headers.get('mcp-session-id');
    await init.text();
    if (!sid) throw new Error(`initialize gave no session (HTTP ${init.status})`);
    const ack = await fetch(mcpUrl, { method: 'POST', headers: { ...mcpHeaders(token), 'mcp-session-id': sid }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    await ack.text();
    ids.push(sid);
  }
  return ids;
}

/** autocannon keeps one request object per connection: pin one of `ids` to each, once. */
function pinSessions(ids: readonly string[]): NonNullable<autocannon.Request['setupRequest']> {
  let next = 0;
  return (req) => {
    const h = (req.headers ??= {}) as Record<string, string>;
    h['mcp-session-id'] ??= ids[next++ % ids.length]!;
    return req;
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** `node dist/index.js` from spawn to the first 200 from /readyz, in ms. */
async function startupMs(extraEnv: Record<string, string>): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const proc = spawn(process.execPath, ['dist/index.js'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development', PORT: String(port), DEV_IDP_PORT: String(await freePort()), LOG_LEVEL: 'warn', ...extraEnv },
    stdio: 'ignore',
  });
  try {
    for (const deadline = t0 + 30_000; performance.now() < deadline; ) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return Math.round(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('server not ready within 30 s');
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
}

/**
 * Before the comparison server is measured: it answers whoami with the caller's `sub`, and it really
 * checks the token (401 without one, 401 for a JWT issued to another resource). A bench must not
 * compare against a server that answers errors, or one that skips the work.
 */
async function sanityCheckTypical(mcpUrl: string, token: string, foreignJwt: string): Promise<void> {
  const call = async (t?: string) => {
    const r = await fetch(mcpUrl, { method: 'POST', headers: mcpHeaders(t), body: toolCall(1) });
    return { status: r.status, body: await r.text() };
  };
  const ok = await call(token);
  if (ok.status !== 200 || !hasEscapedSub(ok.body)) throw new Error(`mcp-auth server sanity call failed: HTTP ${ok.status}`);
  const none = await call();
  if (none.status !== 401) throw new Error(`mcp-auth server answered ${none.status} without a token, not 401`);
  const foreign = await call(foreignJwt);
  if (foreign.status !== 401) throw new Error(`mcp-auth server answered ${foreign.status} to another resource's JWT, not 401`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The 1-minute load average; a run that starts or ends above {@link QUIET_LOAD} is marked noisy. */
const loadAverage = () => Math.round(os.loadavg()[0]! * 100) / 100;
const QUIET_LOAD = 1.0;
/** Seconds of idling before the end reading (BENCH_SETTLE_S; default 75). */
const SETTLE_S = Number(process.env['BENCH_SETTLE_S'] ?? 75);

async function main(): Promise<void> {
  const started = Date.now();
  // `npm run bench` compiles first (the startup row runs dist/), which alone lifts the 1-minute average
  // to about 1: wait for it to fall (at most SETTLE_S × 2 s) rather than start a run already marked noisy.
  for (const until = Date.now() + SETTLE_S * 2000; loadAverage() > QUIET_LOAD && Date.now() < until; ) {
    log(`load average ${loadAverage()} (above ${QUIET_LOAD.toFixed(1)}): waiting for it to fall before starting …`);
    await new Promise((r) => setTimeout(r, 10_000));
  }
  const loadAtStart = loadAverage();
  log(`load average at start: ${loadAtStart}${loadAtStart > QUIET_LOAD ? ` (above ${QUIET_LOAD.toFixed(1)}: this run will be marked noisy)` : ''}`);
  const rows: Row[] = [];
  const extra: Record<string, unknown> = {};
  // One folder per child: the tsx loader thread writes a profile of its own next to the main thread's.
  const profArgs = (name: string) => (PROF ? ['--cpu-prof', `--cpu-prof-dir=${ROOT}artifacts/prof/${name}`] : []);
  const sharedEnv = { LOG_LEVEL: 'warn', MAX_SESSIONS: '20000', MAX_SESSIONS_PER_SUBJECT: '20000' };
  const children: Child[] = [];
  const stop = async (c: Child) => {
    children.splice(children.indexOf(c), 1);
    await c.stop();
  };
  const start = async (...args: Parameters<typeof startChild>) => {
    const c = await startChild(...args);
    children.push(c);
    return c;
  };

  try {
    if (want('startup')) {
      log('start → ready (3 runs each)…');
      const devIdp = [await startupMs({}), await startupMs({}), await startupMs({})];
      extra['startupMs'] = { withDevIdp: median(devIdp), runs: devIdp };
    }

    // The IdP runs in its own process, as Logto does; each server child gets a port (and so a
    // resource) known to it in advance.
    const ports = { stateless: await freePort(), mcpauth: await freePort(), info: await freePort(), stateful: await freePort(), sessions: await freePort(), balancer: await freePort() };
    // The identifiers each server announces: ours one per endpoint (…/mcp, …/sse); mcp-auth's the
    // origin (WHATWG href: an origin-only resource ends in /).
    const idp = await start('idp', {
      BENCH_RESOURCES: Object.values(ports)
        .flatMap((p) => ['/', '/mcp', '/sse'].map((path) => new URL(path, `http://localhost:${p}`).href))
        .join(' '),
    });
    const issuer = idp.info['issuer']!;
    const serverEnv = { ...sharedEnv, LOGTO_ENDPOINT: idp.info['origin']! };
    const stateless = await start('server', { ...serverEnv, PORT: String(ports.stateless), MCP_STATELESS: 'true' }, { execArgv: profArgs('stateless') });
    const token = (resource?: string) =>
      getDevToken({ issuer, username: USER.username, password: USER.password, ...(resource ? { resource } : {}) }).then((t) => t.access_token);
    const jwt = await token(stateless.info['resource']);
    const opaque = await token();
    const headers = mcpHeaders(jwt);

    if (want('startup')) {
      const external = { LOGTO_ENDPOINT: idp.info['origin']! };
      const runs = [await startupMs(external), await startupMs(external), await startupMs(external)];
      extra['startupMs'] = { ...(extra['startupMs'] as object), withExternalIdp: median(runs), externalRuns: runs };
    }

    // The exact bytes the server answers, for the baseline to send back.
    const sample = await fetch(stateless.info['mcpUrl']!, { method: 'POST', headers, body: toolCall(1) });
    const sampleBody = await sample.text();
    if (sample.status !== 200 || !hasSub(sampleBody)) throw new Error(`sanity call failed: HTTP ${sample.status}`);
    extra['responseBytes'] = Buffer.byteLength(sampleBody);

    const baseline = await start('baseline', { BASELINE_BODY: sampleBody });
    const baselineRun = (key: string) => cannon(baseline, key, 'baseline: hono, fixed reply', { headers, body: toolCall(1), expect: 'ok', verify: hasSub });
    rows.push(await baselineRun('baseline'));
    pairBaseline = () => baselineRun('baseline-pair');

    if (want('jwt')) rows.push(await cannon(stateless, 'jwt', 'stateless, JWT', { headers, body: toolCall(1), expect: 'ok', verify: hasSub }));
    if (want('opaque')) {
      rows.push(await cannon(stateless, 'opaque', 'stateless, opaque (userinfo)', { headers: mcpHeaders(opaque), body: toolCall(1), expect: 'ok', verify: hasSub }));
    }
    // The 2026-07-28 era on the same /mcp (SDK v2 createMcpHandler: a server per request).
    if (want('2026-07-28-jwt')) {
      rows.push(await cannon(stateless, '2026-07-28-jwt', '2026-07-28 stateless, JWT', { headers: headers2026_07_28(jwt), body: toolCall2026_07_28(1), expect: 'ok', verify: hasSub }));
    }
    if (want('2026-07-28-opaque')) {
      rows.push(await cannon(stateless, '2026-07-28-opaque', '2026-07-28 stateless, opaque (userinfo)', { headers: headers2026_07_28(opaque), body: toolCall2026_07_28(1), expect: 'ok', verify: hasSub }));
    }
    // The SDK alone over HTTP (children/sdk-http.ts): the same whoami through the era's SDK handler on
    // hono + @hono/node-server, with a fixed authInfo and nothing of ours in front — so the server's
    // row minus this one is what the guard, the gate, the era router and the log add.
    if (want('sdk-http')) {
      for (const era of ['2026-07-28', '2025'] as const) {
        const alone = await start('sdk-http', { SDK_HTTP_ERA: era, SDK_HTTP_SUB: USER.sub });
        const call = era === '2025' ? { headers, body: toolCall(1) } : { headers: headers2026_07_28(jwt), body: toolCall2026_07_28(1) };
        rows.push(await cannon(alone, `sdk-http-${era}`, `${era} SDK alone over HTTP (no guard, gate or era router)`, { ...call, expect: 'ok', verify: hasSub }));
        await stop(alone);
      }
    }
    if (want('floor')) {
      // The SDK v2 entry alone, in its own process (bench/children/sdk-floor.ts): the ceiling of the
      // 2026-07-28-* rows whatever the HTTP server and gate around it cost (the target: ≤ floor + 0.05 ms).
      const floor = await start('sdk-floor', {}, { timeoutMs: 180_000 });
      const ms = (k: string) => Math.round(Number(floor.info[k]) * 1000) / 1000;
      extra['sdkFloor'] = { requestMs: ms('request'), whoamiMs: ms('whoami'), trivialMs: ms('trivial'), classifyMs: ms('classify'), whoamiOverlappingMs: ms('whoamiOverlapping'), calls: Number(floor.info['calls']) };
      log(`SDK v2 createMcpHandler alone: our whoami ${ms('whoami')} ms/call, a trivial tool ${ms('trivial')} ms/call (building the Request: ${ms('request')} ms); the era router's isLegacyRequest ${ms('classify')} ms/call; our whoami with 10 calls in flight ${ms('whoamiOverlapping')} ms/call`);
      await stop(floor);
      // The same for the 2025 stateless path (bench/children/sdk-v1-floor.ts): the per-request SDK v1
      // server and transport alone, the ceiling of the `jwt` and `opaque` rows.
      const v1 = await start('sdk-v1-floor', {}, { timeoutMs: 180_000 });
      const v1ms = (k: string) => Math.round(Number(v1.info[k]) * 1000) / 1000;
      extra['sdkV1Floor'] = { requestMs: v1ms('request'), whoamiMs: v1ms('whoami'), trivialMs: v1ms('trivial'), classifyMs: v1ms('classify'), whoamiOverlappingMs: v1ms('whoamiOverlapping'), calls: Number(v1.info['calls']) };
      log(`SDK v1 per-request server + transport alone: our whoami ${v1ms('whoami')} ms/call, a trivial tool ${v1ms('trivial')} ms/call (building the Request: ${v1ms('request')} ms); the era router's isLegacyRequest ${v1ms('classify')} ms/call; our whoami with 10 calls in flight ${v1ms('whoamiOverlapping')} ms/call`);
      await stop(v1);
    }
    // The comparison: the typical mcp-auth + Express + SDK v1 server (children/mcp-auth.ts),
    // same IdP, same kind of token (JWT for its own resource), same request and load.
    if (want('mcpauth')) {
      const typical = await start('mcp-auth', { PORT: String(ports.mcpauth), MCP_AUTH_ISSUER: issuer }, { execArgv: profArgs('mcpauth') });
      const t = await token(typical.info['resource']);
      await sanityCheckTypical(typical.info['mcpUrl']!, t, jwt);
      rows.push(await cannon(typical, 'mcpauth', 'mcp-auth + Express + SDK v1, JWT', { headers: mcpHeaders(t), body: toolCall(1), expect: 'ok', verify: hasEscapedSub }));
      await stop(typical);
    }
    if (want('notoken')) {
      rows.push(await cannon(stateless, 'notoken', 'rejected: no token (401)', { headers: mcpHeaders(), body: toolCall(1), expect: 'rejected', verify: (b) => b.includes('"error":"unauthorized"') }));
    }
    if (want('badtoken') || want('badtoken-unique')) {
      // A forged JWT: right header and kid, tampered signature — full ES384 verification, then 401.
      const [h0, p, s] = jwt.split('.') as [string, string, string];
      const forged = `${h0}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
      const refusedBody = (b: string) => b.includes('"error":"invalid_token"');
      if (want('badtoken')) rows.push(await cannon(stateless, 'badtoken', 'rejected: forged JWT, same token (401)', { headers: mcpHeaders(forged), body: toolCall(1), expect: 'rejected', verify: refusedBody }));
      // The attacker's case: a different forged signature every time, so nothing can be remembered.
      let n = 0;
      if (want('badtoken-unique')) rows.push(
        await cannon(stateless, 'badtoken-unique', 'rejected: a new forged JWT per request (401)', {
          headers: mcpHeaders(forged),
          body: toolCall(1),
          expect: 'rejected',
          verify: refusedBody,
          setupRequest: (req) => {
            const h = (req.headers ??= {}) as Record<string, string>;
            h['authorization'] = `Bearer ${h0}.${p}.${(n++).toString(36).padStart(8, '0')}${s.slice(8)}`;
            return req;
          },
        }),
      );
    }

    if (want('cold')) {
      // 50 concurrent requests with a token the server has never seen: one upstream call.
      const fresh = await token();
      const before = await stateless.stats();
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => fetch(stateless.info['mcpUrl']!, { method: 'POST', headers: mcpHeaders(fresh), body: toolCall(i) }).then(async (r) => r.status === 200 && hasSub(await r.text()))),
      );
      const after = await stateless.stats();
      const freshJwt = await token(stateless.info['resource']);
      const beforeJwt = await stateless.stats();
      const jwtAnswers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => fetch(stateless.info['mcpUrl']!, { method: 'POST', headers: mcpHeaders(freshJwt), body: toolCall(i) }).then(async (r) => r.status === 200 && hasSub(await r.text()))),
      );
      const afterJwt = await stateless.stats();
      extra['cold50'] = {
        opaque: { ok: answers.filter(Boolean).length, userinfoCalls: (after.upstream['userinfo'] ?? 0) - (before.upstream['userinfo'] ?? 0) },
        jwt: { ok: jwtAnswers.filter(Boolean).length, idpCalls: upstreamTotal(afterJwt.upstream) - upstreamTotal(beforeJwt.upstream) },
      };
      log(`cold: ${JSON.stringify(extra['cold50'])}`);
    }
    await stop(stateless);

    if (want('info')) {
      const verbose = await start('server', { ...serverEnv, PORT: String(ports.info), MCP_STATELESS: 'true', LOG_LEVEL: 'info' }, { execArgv: profArgs('stateless-info') });
      const t = await token(verbose.info['resource']);
      rows.push(await cannon(verbose, 'info', 'stateless, JWT, LOG_LEVEL=info', { headers: mcpHeaders(t), body: toolCall(1), expect: 'ok', verify: hasSub }));
      await stop(verbose);
    }

    if (want('observe')) {
      // The `jwt` row's server with metrics on (traces off), then with traces on (OTLP/HTTP
      // JSON to a loopback sink). Each in turn on the `info` row's port, whose resource the IdP knows.
      const sink = await startOtlpSink();
      const variants = [
        ['metrics', 'stateless, JWT, metrics on (METRICS_PORT), traces off', { METRICS_PORT: '0' }],
        ['traces', 'stateless, JWT, metrics on, traces on (OTLP/HTTP to a loopback sink)', { METRICS_PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }],
      ] as const;
      for (const [key, scenario, env] of variants) {
        const observed = await start('server', { ...serverEnv, PORT: String(ports.info), MCP_STATELESS: 'true', ...env }, { execArgv: profArgs(`stateless-${key}`) });
        const t = await token(observed.info['resource']);
        rows.push(await cannon(observed, key, scenario, { headers: mcpHeaders(t), body: toolCall(1), expect: 'ok', verify: hasSub }));
        await stop(observed);
      }
      if (sink.exports() === 0) throw new Error('traces row: no OTLP export reached the sink');
      await sink.close();
    }

    if (want('stateful') || want('sse')) {
      const stateful = await start('server', { ...serverEnv, PORT: String(ports.stateful) }, { execArgv: profArgs('stateful') });
      const t = await token(stateful.info['resource']);
      if (want('stateful')) {
        const sessionIds = await openSessions(stateful.info['mcpUrl']!, t, CONNECTIONS);
        rows.push(
          await cannon(stateful, 'stateful', 'stateful, JWT, one session per connection', {
            headers: mcpHeaders(t),
            body: toolCall(1),
            expect: 'ok',
            verify: hasSub,
            setupRequest: pinSessions(sessionIds),
          }),
        );
      }
      if (want('sse')) {
        const sseUrl = new URL(stateful.info['sseUrl']!.replace('localhost', '127.0.0.1'));
        const paired = await pairWithBaseline();
        if (WARMUP > 0) await runSseLoad({ sseUrl, token: t, sub: USER.sub, connections: CONNECTIONS, durationMs: WARMUP * 1000 });
        const before = await stateful.stats({ reset: true });
        const r = await runSseLoad({ sseUrl, token: t, sub: USER.sub, connections: CONNECTIONS, durationMs: DURATION * 1000 });
        const after = await stateful.stats();
        const sorted = r.latencies.sort((a, b) => a - b);
        const idp = upstreamTotal(after.upstream) - upstreamTotal(before.upstream);
        const row: Row = {
          key: 'sse',
          scenario: '2024-11-05 HTTP+SSE, JWT, POST /messages + result on stream',
          requests: r.requests,
          reqPerSec: Math.round(r.requests / r.durationSeconds),
          p50Ms: Math.round(percentile(sorted, 50) * 100) / 100,
          p99Ms: Math.round(percentile(sorted, 99) * 100) / 100,
          idpCallsPer1k: r.requests ? Math.round((idp / r.requests) * 1000 * 100) / 100 : 0,
          serverCpuMsPerCall: r.requests ? Math.round(((after.cpuMicros - before.cpuMicros) / 1000 / r.requests) * 1000) / 1000 : 0,
          peakRssMb: Math.round(after.peakRss / MB),
          errors: r.errors,
          ok: r.errors === 0 && r.requests > 0,
          note: 'driven by bench/sse.ts (node:http), not autocannon',
          ...paired,
        };
        log(`${row.scenario}: ${row.reqPerSec} req/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, errors ${row.errors}`);
        rows.push(row);
      }
      await stop(stateful);
    }

    if (want('replicas')) {
      // Several instances: nginx round robin over replicas sharing Redis, each
      // connection pinned to its own session; with two replicas about half the calls land on
      // the replica that does not hold the session and are forwarded to the one that does.
      const redis = await startRedisForBench(await freePort());
      // Required with REDIS_URL: the replicas seal what they share and sign their forwards.
      const BENCH_CLUSTER_SECRET = 'bench-cluster-secret-not-for-production-0123456789';
      const replicaEnv = (id: string) => ({ ...serverEnv, PORT: '0', PUBLIC_URL: `http://localhost:${ports.balancer}`, REDIS_URL: redis.url, CLUSTER_SECRET: BENCH_CLUSTER_SECRET, REPLICA_ID: id });
      // The replicas of this block only: each is stopped here, before redis goes away.
      const replicas: Child[] = [];
      try {
        let t: string | undefined;
        for (const id of ['r1', 'r2']) {
          const replica = await start('server', replicaEnv(id));
          replicas.push(replica);
          t ??= await token(replica.info['resource']);
          const target = await balancedTarget(ports.balancer, [...replicas]);
          try {
            const sessionIds = await openSessions(target.info['mcpUrl']!, t, CONNECTIONS);
            const n = replicas.length;
            rows.push(
              await cannon(target, `replicas-${n}`, `nginx → ${n} replica${n > 1 ? 's' : ''} (Redis), JWT, one session per connection`, {
                headers: mcpHeaders(t),
                body: toolCall(1),
                expect: 'ok',
                verify: hasSub,
                setupRequest: pinSessions(sessionIds),
              }),
            );
          } finally {
            await target.stop();
          }
        }
      } finally {
        await Promise.allSettled(replicas.map(stop));
        await redis.stop();
      }
    }

    if (want('sessions')) {
      const holder = await start('server', { ...serverEnv, PORT: String(ports.sessions) }, {});
      const t = await token(holder.info['resource']);
      const sseUrl = new URL(holder.info['sseUrl']!.replace('localhost', '127.0.0.1'));
      // One stream first so the token is cached and the lazy paths are loaded.
      const open = await openMany(sseUrl, t, 1, 1);
      const base = await holder.stats({ gc: true });
      const levels: Array<{ sessions: number; rssMb: number; heapMb: number; perSessionKb: number; marginalKb: number }> = [];
      let previous = { sessions: 1, rss: base.rss };
      for (const level of SSE_LEVELS) {
        open.push(...(await openMany(sseUrl, t, level + 1 - open.length, 100)));
        await new Promise((r) => setTimeout(r, 500));
        const s = await holder.stats({ gc: true });
        levels.push({
          sessions: level,
          rssMb: Math.round((s.rss / MB) * 10) / 10,
          heapMb: Math.round((s.heapUsed / MB) * 10) / 10,
          perSessionKb: Math.round(((s.rss - base.rss) / (open.length - 1) / 1024) * 10) / 10,
          // The slope since the previous level: constant when memory grows linearly.
          marginalKb: Math.round(((s.rss - previous.rss) / (open.length - previous.sessions) / 1024) * 10) / 10,
        });
        previous = { sessions: open.length, rss: s.rss };
        log(`SSE sessions ${level}: RSS ${levels.at(-1)!.rssMb} MB`);
      }
      extra['sseSessions'] = { idleRssMb: Math.round((base.rss / MB) * 10) / 10, levels };
      for (const s of open) s.close();
      await stop(holder);
    }

    rows.push({ ...(await baselineRun('baseline-end')), scenario: 'baseline again (drift check)' });
    await stop(baseline);
    await stop(idp);
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
  }

  const baselines = rows.filter((r) => r.key.startsWith('baseline'));
  const ceiling = baselines.reduce((a, r) => a + r.reqPerSec, 0) / baselines.length;
  const ceilingCpu = baselines.reduce((a, r) => a + r.serverCpuMsPerCall, 0) / baselines.length;
  for (const r of rows) {
    r.ratio = Math.round((r.reqPerSec / (r.baselineReqPerSec ?? ceiling)) * 100) / 100;
    r.cpuRatio = r.serverCpuMsPerCall ? Math.round(((r.baselineCpuMsPerCall ?? ceilingCpu) / r.serverCpuMsPerCall) * 100) / 100 : 0;
  }
  // The bench keeps both cores busy itself, so the 1-minute average right now says nothing about other
  // work: it is read after the children have stopped and SETTLE_S seconds of idling, when the bench's own
  // share has decayed to ≈ 2·e^(−SETTLE_S/60) ≈ 0.57 — above 1.0 only if something else kept running.
  log(`waiting ${SETTLE_S} s for the bench's own load to decay before reading the load average at the end …`);
  await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
  const loadAtEnd = loadAverage();
  // Other work on the machine moves every figure (docs/performance.md): only quiet runs are quoted.
  const load = { start: loadAtStart, end: loadAtEnd, noisy: loadAtStart > QUIET_LOAD || loadAtEnd > QUIET_LOAD };
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    load,
    settings: { durationSeconds: DURATION, warmupSeconds: WARMUP, connections: CONNECTIONS, baselineReqPerSec: Math.round(ceiling) },
    rows,
    pairedBaselines,
    ...extra,
    failed: [...rows, ...pairedBaselines].filter((r) => !r.ok).map((r) => r.key),
    wallSeconds: Math.round((Date.now() - started) / 1000),
  };
  const markdown = renderMarkdown(result);
  process.stdout.write(`${markdown}\n`);
  if (process.env['BENCH_NO_WRITE'] !== '1' && ONLY.size === 0) {
    mkdirSync(`${ROOT}bench/results`, { recursive: true });
    writeFileSync(`${ROOT}bench/results/latest.json`, `${JSON.stringify(result, null, 2)}\n`);
    // docs/bench.md carries quiet runs only; a noisy one is in latest.json, marked `load.noisy`.
    if (!load.noisy) writeFileSync(`${ROOT}docs/bench.md`, `${markdown}\n`);
  }
  if (load.noisy) log(`NOISY run: load average ${load.start} at start, ${load.end} at end (above ${QUIET_LOAD.toFixed(1)}) — not for docs/bench.md or docs/performance.md`);
  if (result.failed.length > 0) {
    log(`FAILED scenarios (errors or wrong answers): ${result.failed.join(', ')}`);
    process.exitCode = 1;
  }
}

type Floor = { requestMs: number; whoamiMs: number; trivialMs: number; classifyMs: number; whoamiOverlappingMs: number; calls: number };

/**
 * The targets for a call against its SDK floor and beside mcp-auth, checked against this run; `undefined` = not measured (a BENCH_ONLY subset
 * without the rows a target needs: it names them).
 */
function floorTargets(rows: Row[], v2Floor: Floor | undefined, v1Floor: Floor | undefined): Array<[boolean | undefined, string]> {
  const row = (key: string) => rows.find((r) => r.key === key);
  const out: Array<[boolean | undefined, string]> = [];
  const ms = (x: number) => `${Math.round(x * 1000) / 1000} ms`;
  // Server CPU per call against the era's own SDK floor (our whoami through the SDK alone, building
  // the web Request included, as the targets' figures are): what HTTP, the gate and routing may add.
  for (const [key, floor, name, floorKey, aloneKey] of [
    ['2026-07-28-jwt', v2Floor, 'the SDK v2 floor', 'floor', 'sdk-http-2026-07-28'],
    ['jwt', v1Floor, 'the SDK v1 floor', 'floor', 'sdk-http-2025'],
  ] as const) {
    const r = row(key);
    const label = `${r?.scenario ?? key}: server CPU per call ≤ ${name} (our whoami) + 0.05 ms`;
    if (!r || !floor) out.push([undefined, `${label} (this run lacks: ${key} and ${floorKey})`]);
    else {
      // What no floor loop has but every server call must pay: the bare HTTP exchange (the baseline row) and the era classification.
      const base = row('baseline');
      const owed = base ? `; of it the bare HTTP exchange (baseline row) ${ms(base.serverCpuMsPerCall)} and the era router's isLegacyRequest ${ms(floor.classifyMs)}; the same floor with 10 calls in flight costs ${ms(floor.whoamiOverlappingMs)}, ${ms(r.serverCpuMsPerCall - floor.whoamiOverlappingMs)} under this row` : '';
      // The same SDK handler over the same HTTP stack with nothing of ours in front (sdk-http rows).
      const alone = row(aloneKey);
      const ours = alone ? `; the SDK alone over HTTP ${ms(alone.serverCpuMsPerCall)} (${ms(alone.serverCpuMsPerCall - floor.whoamiMs)} over the floor), so the guard, gate, era router and log add ${ms(r.serverCpuMsPerCall - alone.serverCpuMsPerCall)}` : '';
      out.push([r.serverCpuMsPerCall <= floor.whoamiMs + 0.05, `${label} (${ms(r.serverCpuMsPerCall)} vs ${ms(floor.whoamiMs)} + 0.05 = ${ms(floor.whoamiMs + 0.05)}; ${ms(r.serverCpuMsPerCall - floor.whoamiMs)} over the floor${owed}${ours})`]);
    }
  }
  const jwt2026_07_28 = row('2026-07-28-jwt');
  if (jwt2026_07_28) out.push([jwt2026_07_28.p99Ms <= 5, `${jwt2026_07_28.scenario}: p99 ≤ 5 ms at ${CONNECTIONS} connections (${jwt2026_07_28.p99Ms} ms)`]);
  else out.push([undefined, `2026-07-28 stateless, JWT: p99 ≤ 5 ms at ${CONNECTIONS} connections (this run lacks: 2026-07-28-jwt)`]);
  const typical = row('mcpauth');
  for (const key of ['2026-07-28-jwt', 'jwt']) {
    const r = row(key);
    if (!r || !typical?.reqPerSec) {
      out.push([undefined, `${r?.scenario ?? key}: ≥ 6× (and 10×) the mcp-auth + Express + SDK v1 server's req/s (this run lacks: ${key} and mcpauth)`]);
      continue;
    }
    const times = r.reqPerSec / typical.reqPerSec;
    // For reading, not for the check: the same quotient over paired baselines, and the CPU ratio.
    const paired = r.baselineReqPerSec && typical.baselineReqPerSec ? (r.reqPerSec / r.baselineReqPerSec) * (typical.baselineReqPerSec / typical.reqPerSec) : 0;
    const cpu = r.serverCpuMsPerCall ? typical.serverCpuMsPerCall / r.serverCpuMsPerCall : 0;
    const detail = `${times.toFixed(1)}× req/s, ${r.reqPerSec} vs ${typical.reqPerSec}; ${paired.toFixed(1)}× over paired baselines; ${cpu.toFixed(1)}× less server CPU per call`;
    out.push([times >= 6, `${r.scenario}: ≥ 6× ${typical.scenario} (${detail})`]);
    out.push([times >= 10, `${r.scenario}: ≥ 10× ${typical.scenario} (${times.toFixed(1)}×)`]);
  }
  const notoken = row('notoken');
  if (notoken) out.push([(notoken.ratio ?? 0) >= 0.6 && notoken.idpCallsPer1k === 0, `${notoken.scenario}: ≥ 0.6× baseline with zero IdP calls (${notoken.ratio?.toFixed(2)}×, ${notoken.idpCallsPer1k} per 1k)`]);
  else out.push([undefined, 'rejected: no token (401): ≥ 0.6× baseline (this run lacks: notoken)']);
  const warm = ['opaque', '2026-07-28-opaque'].map(row).filter((r): r is Row => r !== undefined);
  if (warm.length) for (const r of warm) out.push([r.idpCallsPer1k === 0, `${r.scenario}: warm, 0 IdP calls (${r.idpCallsPer1k} per 1k)`]);
  else out.push([undefined, 'warm opaque rows: 0 IdP calls (this run lacks: opaque or 2026-07-28-opaque)']);
  return out;
}

/** The earlier targets (against the bare baseline, mcp-auth, the caches, rejections, SSE memory), checked against this run. */
function targets(
  rows: Row[],
  cold: { opaque: { ok: number; userinfoCalls: number } } | undefined,
  sse: { idleRssMb: number; levels: Array<{ sessions: number; rssMb: number; marginalKb: number }> } | undefined,
): Array<[boolean, string]> {
  const row = (key: string) => rows.find((r) => r.key === key);
  const out: Array<[boolean, string]> = [];
  for (const key of ['jwt', 'opaque']) {
    const r = row(key);
    if (!r) continue;
    out.push([(r.ratio ?? 0) >= 0.5, `${r.scenario}: ≥ 0.5× baseline (${r.ratio?.toFixed(2)}×)`]);
    out.push([r.p99Ms <= 15, `${r.scenario}: p99 ≤ 15 ms (${r.p99Ms} ms)`]);
  }
  // The 2026-07-28 stateless path (0.5× is the aim, 0.3× the bar).
  for (const key of ['2026-07-28-jwt', '2026-07-28-opaque']) {
    const r = row(key);
    if (!r) continue;
    out.push([(r.ratio ?? 0) >= 0.3, `${r.scenario}: ≥ 0.3× baseline (${r.ratio?.toFixed(2)}×; aim 0.5×)`]);
    out.push([r.p99Ms <= 10, `${r.scenario}: p99 ≤ 10 ms at ${CONNECTIONS} connections (${r.p99Ms} ms)`]);
  }
  // ≥ 10× what the typical mcp-auth + Express + SDK v1 server does on the same load.
  const typical = row('mcpauth');
  if (typical?.reqPerSec) {
    for (const key of ['2026-07-28-jwt', 'jwt']) {
      const r = row(key);
      if (!r) continue;
      const times = r.reqPerSec / typical.reqPerSec;
      // For reading, not for the check: the same quotient with each row over its paired baseline
      // (drift between the two runs cancels), and the server CPU per call.
      const paired = r.baselineReqPerSec && typical.baselineReqPerSec ? (r.reqPerSec / r.baselineReqPerSec) * (typical.baselineReqPerSec / typical.reqPerSec) : 0;
      const cpu = r.serverCpuMsPerCall ? typical.serverCpuMsPerCall / r.serverCpuMsPerCall : 0;
      out.push([
        times >= 10,
        `${r.scenario}: ≥ 10× ${typical.scenario} (${times.toFixed(1)}× req/s, ${r.reqPerSec} vs ${typical.reqPerSec}; ${paired.toFixed(1)}× over paired baselines; ${cpu.toFixed(1)}× less server CPU per call)`,
      ]);
    }
  }
  // Metrics on cost at most 5% more server CPU per call than the same server without.
  const [plain, metered, traced] = [row('jwt'), row('metrics'), row('traces')];
  if (plain?.serverCpuMsPerCall && metered) {
    out.push([metered.serverCpuMsPerCall <= plain.serverCpuMsPerCall * 1.05, `${metered.scenario}: ≤ 1.05× the server CPU per call of ${plain.scenario} (${(metered.serverCpuMsPerCall / plain.serverCpuMsPerCall).toFixed(3)}×)`]);
  }
  if (plain?.serverCpuMsPerCall && traced) out.push([true, `${traced.scenario}: ${(traced.serverCpuMsPerCall / plain.serverCpuMsPerCall).toFixed(2)}× the server CPU per call (reported, no target)`]);
  const opaque = row('opaque');
  if (opaque) out.push([opaque.idpCallsPer1k <= 1, `≤ 1 userinfo call per 1,000 warm opaque calls (${opaque.idpCallsPer1k})`]);
  if (cold) out.push([cold.opaque.userinfoCalls === 1 && cold.opaque.ok === 50, `50 concurrent cold requests, one token → 1 upstream call (${cold.opaque.userinfoCalls})`]);
  for (const key of ['notoken', 'badtoken']) {
    const r = row(key);
    if (r) out.push([(r.ratio ?? 0) >= 0.7 && r.idpCallsPer1k === 0, `${r.scenario}: ≥ 0.7× baseline with zero IdP calls (${r.ratio?.toFixed(2)}×, ${r.idpCallsPer1k} per 1k)`]);
  }
  // Linear: the slope between the last two levels within 25% of the one before (the first level
  // also pays one-off warm-up, so it is not compared).
  const [, second, top] = sse?.levels ?? [];
  if (second && top) {
    const linear = Math.abs(top.marginalKb - second.marginalKb) <= 0.25 * second.marginalKb;
    out.push([top.rssMb <= 400 && linear, `${top.sessions} SSE sessions ≤ 400 MB RSS, linear (${top.rssMb} MB; ${second.marginalKb} then ${top.marginalKb} KB per added session)`]);
  }
  return out;
}

function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryGb: Math.round(os.totalmem() / 1024 ** 3), node: process.version, os: `${os.type()} ${os.release()}` };
}

function renderMarkdown(r: {
  date: string;
  machine: ReturnType<typeof machine>;
  load: { start: number; end: number; noisy: boolean };
  settings: { durationSeconds: number; warmupSeconds: number; connections: number; baselineReqPerSec: number };
  rows: Row[];
  failed: string[];
  [k: string]: unknown;
}): string {
  const m = r.machine;
  const lines = [
    `## Benchmark (${r.date.slice(0, 10)})`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, Node ${m.node}. Load generator and server share the cores.`,
    r.load.noisy
      ? `**Noisy run**: load average ${r.load.start} at start, ${r.load.end} at end (above ${QUIET_LOAD.toFixed(1)}: other work shared the cores). Not a figure to quote; docs carry quiet runs only.`
      : `Quiet run: load average ${r.load.start} at start, ${r.load.end} at end (≤ ${QUIET_LOAD.toFixed(1)}).`,
    `Each scenario: ${r.settings.connections} connections, ${r.settings.warmupSeconds} s warm-up + ${r.settings.durationSeconds} s measured, on 127.0.0.1. Before each scenario the baseline runs again and the ratio is to that run, so slow drift on a shared machine cancels out (baseline rows: ratio to the mean of the first and last runs, ${r.settings.baselineReqPerSec} req/s). "CPU ×" is the baseline's server CPU per call over the scenario's: the ratio the server alone would allow.`,
    '',
    '| scenario | req/s | × baseline | CPU × | p50 ms | p99 ms | IdP calls / 1k | server CPU ms / call | peak RSS MB | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.rows.map(
      (x) =>
        `| ${x.scenario}${x.ok ? '' : ' **FAILED**'} | ${x.reqPerSec} | ${x.ratio?.toFixed(2)} | ${x.cpuRatio?.toFixed(2)} | ${x.p50Ms} | ${x.p99Ms} | ${x.idpCallsPer1k} | ${x.serverCpuMsPerCall} | ${x.peakRssMb} | ${x.errors} |`,
    ),
  ];
  const cold = r['cold50'] as { opaque: { ok: number; userinfoCalls: number }; jwt: { ok: number; idpCalls: number } } | undefined;
  if (cold) {
    lines.push('', `50 concurrent cold requests, one new token: opaque → ${cold.opaque.userinfoCalls} userinfo call(s), ${cold.opaque.ok}/50 correct; JWT → ${cold.jwt.idpCalls} IdP call(s), ${cold.jwt.ok}/50 correct.`);
  }
  const sse = r['sseSessions'] as { idleRssMb: number; levels: Array<{ sessions: number; rssMb: number; heapMb: number; perSessionKb: number; marginalKb: number }> } | undefined;
  if (sse) {
    lines.push(
      '',
      `Open authenticated SSE sessions (server RSS after GC; idle server with one session: ${sse.idleRssMb} MB):`,
      '',
      '| sessions | RSS MB | heap MB | KB per session (average) | KB per session (since previous level) |',
      '| ---: | ---: | ---: | ---: | ---: |',
    );
    for (const l of sse.levels) lines.push(`| ${l.sessions} | ${l.rssMb} | ${l.heapMb} | ${l.perSessionKb} | ${l.marginalKb} |`);
  }
  const floor = r['sdkFloor'] as Floor | undefined;
  if (floor) {
    // What the 0.3× bar asks of the server, if it had one core to itself.
    const budget = Math.round((1000 / (0.3 * r.settings.baselineReqPerSec)) * 1000) / 1000;
    const sdk = Math.round((floor.whoamiMs - floor.requestMs) * 1000) / 1000;
    lines.push(
      '',
      `SDK v2 floor (bench/children/sdk-floor.ts; \`createMcpHandler().fetch\` in a loop, no HTTP, no authentication, ${floor.calls} calls each): our whoami ${floor.whoamiMs} ms CPU per call, a trivial tool with no schemas ${floor.trivialMs} ms, of which building the web Request ${floor.requestMs} ms; the era router's \`isLegacyRequest\` on the parsed body (the SDK's documented routing in front of a strict handler, which classifies again inside) ${floor.classifyMs} ms; our whoami with 10 calls in flight at once, as the bench's connections overlap on the server, ${floor.whoamiOverlappingMs} ms. ` +
        `0.3× this run's baseline (${Math.round(0.3 * r.settings.baselineReqPerSec)} req/s) leaves ${budget} ms of server CPU per call on one core; the SDK v2 entry alone takes ${sdk} ms of it (${Math.round((sdk / budget) * 100)}%).`,
    );
  }
  const v1 = r['sdkV1Floor'] as Floor | undefined;
  if (v1) {
    lines.push(
      '',
      `SDK v1 floor (bench/children/sdk-v1-floor.ts; a new \`McpServer\` + \`WebStandardStreamableHTTPServerTransport\` per 2025 stateless call, in a loop, no HTTP, no authentication, ${v1.calls} calls each): our whoami ${v1.whoamiMs} ms CPU per call, a trivial tool with no schemas ${v1.trivialMs} ms, of which building the web Request ${v1.requestMs} ms; the era router's \`isLegacyRequest\` that sends a 2025 call there ${v1.classifyMs} ms; our whoami with 10 calls in flight at once ${v1.whoamiOverlappingMs} ms.`,
    );
  }
  const startup = r['startupMs'] as { withDevIdp?: number; withExternalIdp?: number } | undefined;
  if (startup) {
    lines.push('', `Start → ready (\`node dist/index.js\` until /readyz answers 200, median of 3): ${startup.withDevIdp} ms with the embedded dev IdP, ${startup.withExternalIdp} ms against an already running IdP.`);
  }
  const v1Floor = r['sdkV1Floor'] as Floor | undefined;
  lines.push(
    '',
    'Targets:',
    '',
    ...floorTargets(r.rows, floor, v1Floor).map(([ok, text]) => `- ${ok === undefined ? 'not measured' : ok ? 'met' : '**not met**'}: ${text}`),
    '',
    'Earlier targets:',
    '',
    ...targets(r.rows, cold, sse).map(([ok, text]) => `- ${ok ? 'met' : '**not met**'}: ${text}`),
  );
  lines.push(
    '',
    'Notes: server CPU is the server process\'s user + system time over the run divided by the calls it answered (the most stable figure on a shared machine). ' +
      'The 2024-11-05 HTTP+SSE row is driven by bench/sse.ts (POST /messages, then the result read from the stream), not autocannon. ' +
      'The IdP (the dev IdP) runs in its own process, as Logto would; IdP calls are counted through the fetch the server is given. ' +
      'The mcp-auth row is the typical mcp-auth + Express + SDK v1 server as its documentation writes it (bench/children/mcp-auth.ts, [performance.md](performance.md)).',
  );
  if (r.failed.length) lines.push('', `**Failed scenarios:** ${r.failed.join(', ')}`);
  return lines.join('\n');
}

await main();
