/**
 * Soak test (not part of `npm test`): N authenticated 2024-11-05 HTTP+SSE sessions held for M minutes with
 * periodic `whoami` calls, against the real server in this process; the clients and a loopback IdP
 * run in a child process so the numbers below are the server's alone.
 *
 *   npm run soak                                  # 2,000 sessions, 10 minutes
 *   npm run soak -- --sessions 500 --minutes 2    # shorter
 *   flags: --sessions N  --minutes M  --call-every SECONDS (per session, default 30)
 *
 * Reports RSS and heap (after a full GC) before, while holding, and after closing, and the heap's
 * growth trend while holding (least-squares slope, MiB/min). Bounded: the run ends after M minutes
 * plus at most 2 minutes of set-up and tear-down, whatever happens.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    sessions: { type: 'string', default: '2000' },
    minutes: { type: 'string', default: '10' },
    'call-every': { type: 'string', default: '30' },
    worker: { type: 'boolean', default: false },
  },
});
const SESSIONS = Math.max(1, Math.min(20_000, Number(flags.sessions)));
const MINUTES = Math.max(0.1, Math.min(120, Number(flags.minutes)));
const CALL_EVERY_S = Math.max(1, Number(flags['call-every']));

type ToWorker = { type: 'start'; serverUrl: string; resource: string } | { type: 'stop' };
type FromWorker =
  | { type: 'idp'; url: string }
  | { type: 'opened'; ok: number; failed: number; ms: number }
  | { type: 'progress'; calls: number; errors: number }
  | { type: 'done'; calls: number; errors: number; p50: number; p99: number; streamsLost: number };

if (flags.worker) await worker();
else await main();

async function main(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const mib = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
  const measure = () => {
    for (let i = 0; i < 3; i++) gc();
    const m = process.memoryUsage();
    return { rss: mib(m.rss), heapUsed: mib(m.heapUsed), heapTotal: mib(m.heapTotal), external: mib(m.external) };
  };
  const hardStop = setTimeout(() => {
    process.stderr.write('soak: hard time limit reached\n');
    process.exit(2);
  }, (MINUTES + 2) * 60_000 + 60_000 * Math.ceil(SESSIONS / 2000));
  hardStop.unref();

  const child = fork(new URL(import.meta.url).pathname, ['--worker', '--sessions', String(SESSIONS), '--minutes', String(MINUTES), '--call-every', String(CALL_EVERY_S)], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const next = waiter(child);
  const idp = (await next('idp')) as Extract<FromWorker, { type: 'idp' }>;

  const { startServer } = await import('../src/start/start-server.js');
  const server = await startServer(
    {
      PORT: '0',
      LOGTO_ENDPOINT: idp.url,
      LOG_LEVEL: 'warn',
      MAX_SESSIONS: String(SESSIONS * 2),
      SESSION_IDLE_TIMEOUT: String(Math.ceil(MINUTES * 60 + 600)),
    },
    { banner: false },
  );
  await server.ready;
  const baseline = measure();
  console.log(`soak: ${SESSIONS} SSE sessions × ${MINUTES} min, a whoami call per session every ~${CALL_EVERY_S} s`);
  console.log(`soak: server ${server.url}; baseline ${JSON.stringify(baseline)}`);

  child.send({ type: 'start', serverUrl: server.url, resource: server.resources.mcp } satisfies ToWorker);
  const opened = (await next('opened')) as Extract<FromWorker, { type: 'opened' }>;
  console.log(`soak: opened ${opened.ok} sessions (${opened.failed} failed) in ${opened.ms} ms; registry size ${server.sessions.size}`);
  const afterOpen = measure();
  console.log(`soak: after open ${JSON.stringify(afterOpen)}`);

  const holdMs = MINUTES * 60_000;
  const sampleEvery = Math.max(5_000, Math.floor(holdMs / 20));
  const samples: Array<{ t: number; heapUsed: number; rss: number; sessions: number }> = [];
  const t0 = Date.now();
  let progress = { calls: 0, errors: 0 };
  child.on('message', (m: FromWorker) => {
    if (m.type === 'progress') progress = m;
  });
  while (Date.now() - t0 < holdMs) {
    await new Promise((r) => setTimeout(r, Math.min(sampleEvery, holdMs - (Date.now() - t0))));
    const m = measure();
    samples.push({ t: (Date.now() - t0) / 60_000, heapUsed: m.heapUsed, rss: m.rss, sessions: server.sessions.size });
    console.log(
      `soak: t=${((Date.now() - t0) / 1000).toFixed(0)}s sessions=${server.sessions.size} rss=${m.rss}MiB heapUsed=${m.heapUsed}MiB calls=${progress.calls} errors=${progress.errors}`,
    );
  }
  const holding = measure();
  child.send({ type: 'stop' } satisfies ToWorker);
  const done = (await next('done')) as Extract<FromWorker, { type: 'done' }>;
  const deadline = Date.now() + 30_000;
  while (server.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  const afterClose = measure();
  await server.close();
  if (child.connected) child.disconnect();

  // Least-squares slope of heapUsed over the hold phase, skipping the first fifth (warm-up).
  const steady = samples.slice(Math.floor(samples.length / 5));
  const slope = (() => {
    const n = steady.length;
    if (n < 3) return 0;
    const mx = steady.reduce((a, s) => a + s.t, 0) / n;
    const my = steady.reduce((a, s) => a + s.heapUsed, 0) / n;
    const num = steady.reduce((a, s) => a + (s.t - mx) * (s.heapUsed - my), 0);
    const den = steady.reduce((a, s) => a + (s.t - mx) ** 2, 0);
    return den === 0 ? 0 : num / den;
  })();
  const perSessionKiB = Math.round(((afterOpen.heapUsed - baseline.heapUsed) * 1024) / Math.max(1, opened.ok));
  const report = {
    sessions: { requested: SESSIONS, opened: opened.ok, failed: opened.failed, streamsLostDuringHold: done.streamsLost, leftAfterClose: server.sessions.size },
    calls: { total: done.calls, errors: done.errors, p50ms: done.p50, p99ms: done.p99 },
    memoryMiB: { baseline, afterOpen, holding, afterClose },
    heapPerSessionKiB: perSessionKiB,
    heapTrendMiBPerMin: Math.round(slope * 100) / 100,
    verdict: Math.abs(slope) < 1 && afterClose.heapUsed - baseline.heapUsed < 10 ? 'no growth trend' : 'CHECK: heap grows',
  };
  console.log(`soak: report ${JSON.stringify(report, null, 2)}`);
  clearTimeout(hardStop);
  process.exit(report.verdict === 'no growth trend' && done.errors === 0 ? 0 : 1);
}

function waiter(child: ChildProcess) {
  return (type: FromWorker['type']) =>
    new Promise<FromWorker>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type === type) {
          child.off('message', onMessage);
          resolve(m);
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`worker exited (${code}) while waiting for ${type}`)));
    });
}

async function worker(): Promise<void> {
  const { startFakeIdp } = await import('../bench/support/fake-idp.js');
  const { SseStream } = await import('../bench/support/sse-stream.js');
  const idp = await startFakeIdp();
  const send = (m: FromWorker) => process.send!(m);
  send({ type: 'idp', url: idp.url });
  const start = await new Promise<Extract<ToWorker, { type: 'start' }>>((resolve) =>
    process.on('message', (m: ToWorker) => m.type === 'start' && resolve(m)),
  );
  let stopping = false;
  process.on('message', (m: ToWorker) => m.type === 'stop' && (stopping = true));

  const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'soak', version: '1' } } };
  interface Live {
    stream: InstanceType<typeof SseStream>;
    post: (body: unknown) => Promise<number>;
    nextId: number;
  }
  const live: Live[] = [];
  let failed = 0;
  const t0 = Date.now();
  const openOne = async (i: number) => {
    const sub = `soak-user-${i}`;
    // Three JWTs for every opaque token: both validation paths stay busy.
    const token = i % 4 === 3 ? idp.opaqueToken({ sub, email: `${sub}@example.com` }) : await idp.accessToken(sub, start.resource, { exp: Math.floor(Date.now() / 1000) + 6 * 3600 });
    const headers = { authorization: `Bearer ${token}` };
    const abort = new AbortController();
    const res = await fetch(`${start.serverUrl}/sse`, { headers: { ...headers, accept: 'text/event-stream' }, signal: abort.signal });
    if (res.status !== 200) throw new Error(`GET /sse ${res.status}`);
    const stream = new SseStream(res, abort);
    const endpoint = await stream.waitFor((e) => e.event === 'endpoint', 30_000);
    const url = new URL(endpoint.data, start.serverUrl).href;
    const post = async (body: unknown) => {
      const r = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await r.body?.cancel();
      return r.status;
    };
    if ((await post(INIT)) !== 202) throw new Error('initialize refused');
    await stream.waitFor((e) => e.data.includes('"id":0'), 30_000);
    await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    stream.events.length = 0;
    live.push({ stream, post, nextId: 1 });
  };
  for (let i = 0; i < SESSIONS; i += 50) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(50, SESSIONS - i) }, (_, k) => openOne(i + k)));
    failed += batch.filter((b) => b.status === 'rejected').length;
  }
  send({ type: 'opened', ok: live.length, failed, ms: Date.now() - t0 });

  let calls = 0;
  let errors = 0;
  const latencies: number[] = [];
  const callOnce = async (s: Live) => {
    const id = s.nextId++;
    const started = Date.now();
    try {
      if ((await s.post({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'whoami', arguments: {} } })) !== 202) throw new Error('refused');
      const marker = `"id":${id},`;
      const e = await s.stream.waitFor((ev) => ev.data.includes(marker) || ev.data.includes(`"id":${id}}`), 30_000);
      if (!e.data.includes('soak-user-')) throw new Error('wrong answer');
      latencies.push(Date.now() - started);
      calls++;
    } catch {
      errors++;
    }
    s.stream.events.length = 0; // keep the client's memory flat
  };
  const loops = live.map(async (s) => {
    await new Promise((r) => setTimeout(r, Math.random() * CALL_EVERY_S * 1000));
    while (!stopping) {
      await callOnce(s);
      const wait = CALL_EVERY_S * 1000 * (0.5 + Math.random());
      for (let waited = 0; waited < wait && !stopping; waited += 500) await new Promise((r) => setTimeout(r, 500));
    }
  });
  const ticker = setInterval(() => send({ type: 'progress', calls, errors }), 5_000);
  await Promise.all(loops);
  clearInterval(ticker);
  const streamsLost = live.filter((s) => s.stream.ended).length;
  for (const s of live) s.stream.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  send({ type: 'done', calls, errors, p50: pct(0.5), p99: pct(0.99), streamsLost });
  await new Promise((r) => setTimeout(r, 1000));
  await idp.close();
  process.exit(0);
}
