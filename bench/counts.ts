/**
 * Load-independent counts per call, for work on a shared machine where time figures move with the
 * neighbours: `node --import tsx bench/counts.ts MODE [ROW…]` after `npm run build`.
 *
 * Rows (default all): `baseline` (bare hono, fixed reply), `jwt` (2025 stateless whoami),
 * `2026-07-28-jwt` (2026-07-28 whoami), `notoken` (401); on request also `sdk-http-2026-07-28` and
 * `sdk-http-2025` (the era's SDK handler alone over HTTP, children/sdk-http.ts). Each row: a fresh server child (the bench's own
 * children/server.ts with MCP_STATELESS=true, or children/baseline.ts), COUNT_WARMUP calls, then
 * COUNT_CALLS calls (autocannon, COUNT_CONNECTIONS connections) while MODE measures the child:
 *  - `strace`:    `strace -c -f -p` on the child → syscalls per response, by name;
 *  - `callgrind`: the child under `valgrind --tool=callgrind`, instrumentation on for the measured
 *                 calls only → instructions (Ir) per call; the dump stays in artifacts/counts/;
 *  - `perf`:      `perf stat` software events (page faults, context switches) per response;
 *  - `record`:    `perf record -e cpu-clock` (node --perf-basic-prof) → CPU-time samples, kernel too;
 *  - `prof`:      `--cpu-prof` → shares of busy samples (bench/profile-summary.ts prints them);
 *  - `opt`:       `--trace-opt` → optimised compilations over the whole run (they should stop once warm);
 *  - `deopt`:     `--trace-deopt` → deoptimisations over the whole run, by function and reason;
 *  - `heap`:      V8's sampling heap profiler (collected objects included) → KB allocated per call, by function;
 *  - `gc`:        `--trace-gc` → scavenges and mark-compacts per 1,000 calls.
 * Needs strace / valgrind for those modes. Loopback only; every answer is checked as the bench does.
 */
import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEV_USERS } from '../src/dev-idp/users.js';
import { getDevToken } from '../src/dev-idp/token-helper.js';
import { startChild, type Child } from './child.js';
import type { ChildMessage, ParentMessage } from './children/ipc.js';
import { WHOAMI_HEADERS_2026_07_28, whoamiCall2026_07_28 } from './children/call-2026-07-28.js';

const [mode = 'strace', ...only] = process.argv.slice(2);
const CALLS = Number(process.env['COUNT_CALLS'] ?? 2000);
const WARMUP = Number(process.env['COUNT_WARMUP'] ?? (mode === 'callgrind' ? 5000 : 2000));
const CONNECTIONS = Number(process.env['COUNT_CONNECTIONS'] ?? 10);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = `${ROOT}artifacts/counts/`;
const USER = DEV_USERS.find((u) => u.username === 'alice')!;
const log = (m: string) => process.stderr.write(`[counts] ${m}\n`);
if (!['strace', 'perf', 'record', 'callgrind', 'prof', 'gc', 'deopt', 'opt', 'heap'].includes(mode)) throw new Error(`unknown mode ${mode}`);
mkdirSync(OUT, { recursive: true });

const headers = (token?: string, era2026_07_28 = false): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-06-18',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
  ...(era2026_07_28 ? WHOAMI_HEADERS_2026_07_28 : {}),
});
const call2025 = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
const call2026_07_28 = JSON.stringify(whoamiCall2026_07_28(1));
const hasSub = (b: string) => b.includes(`"sub":"${USER.sub}"`) && !b.includes('"isError":true');

async function drive(url: string, h: Record<string, string>, body: string, amount: number, verify: (b: string) => boolean, status: 'ok' | 'refused') {
  const r = await autocannon({ url, connections: CONNECTIONS, amount, method: 'POST', headers: h, body, timeout: 600, verifyBody: (b) => verify(String(b ?? '')) });
  const wrong = status === 'ok' ? r.non2xx : r['2xx'];
  if (r.timeouts + r.mismatches + wrong > 0) throw new Error(`bad answers: ${JSON.stringify({ errors: r.errors, timeouts: r.timeouts, mismatches: r.mismatches, wrong })}`);
  // Under valgrind a kept-alive connection can outlive the server's keep-alive timeout (5 s) while
  // instrumentation is switched on: a reset, not a wrong answer. Reported; only answers are counted.
  const answered = r['2xx'] + r.non2xx;
  if (r.errors > 0) log(`${r.errors} connection errors (resets) during ${amount} calls; counting the ${answered} answered`);
  if (r.errors > 0 && mode !== 'callgrind') throw new Error(`connection errors: ${r.errors}`);
  return answered;
}

const PORT = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});
// Our resource is the endpoint: …/mcp (docs/resources: one Logto API resource per endpoint).
const RESOURCE = `http://localhost:${PORT}/mcp`;
const idp = await startChild('idp', { BENCH_RESOURCES: RESOURCE });
const issuer = idp.info['issuer']!;
const jwt = (await getDevToken({ issuer, username: USER.username, password: USER.password, resource: RESOURCE })).access_token;

/** Starts the row's child with what `mode` needs, runs the calls, returns a one-line result. */
async function measure(row: string): Promise<string> {
  const tag = `${row}-${process.pid}`;
  // COUNT_NODE_FLAGS: extra node/V8 flags for the child (experiments, e.g. GC settings).
  const execArgv: string[] = (process.env['COUNT_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
  let wrap: string[] | undefined;
  let stdout: number | undefined;
  if (mode === 'record') execArgv.push('--perf-basic-prof', '--no-logfile-per-isolate', `--logfile=${OUT}v8-${tag}.log`);
  if (mode === 'prof') execArgv.push('--cpu-prof', `--cpu-prof-dir=${OUT}prof-${tag}`);
  if (mode === 'opt') stdout = openSync(`${OUT}${mode}-${tag}.log`, 'w');
  if (mode === 'opt') execArgv.push('--trace-opt');
  if (mode === 'gc' || mode === 'deopt') stdout = openSync(`${OUT}${mode}-${tag}.log`, 'w');
  if (mode === 'gc') execArgv.push('--trace-gc');
  if (mode === 'deopt') execArgv.push('--trace-deopt');
  if (mode === 'callgrind') wrap = ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${OUT}callgrind-${tag}.%p`];
  const timeoutMs = wrap ? 600_000 : 30_000;
  const opts = { execArgv, timeoutMs, ...(wrap ? { wrap } : {}), ...(stdout !== undefined ? { stdout } : {}) };
  let child: Child;
  let h: Record<string, string>;
  let body = call2025;
  let verify = hasSub;
  let status: 'ok' | 'refused' = 'ok';
  if (row === 'sdk-http-2026-07-28' || row === 'sdk-http-2025') {
    // The SDK alone over HTTP (children/sdk-http.ts): a fixed authInfo, nothing of ours in front.
    const era2026_07_28 = row === 'sdk-http-2026-07-28';
    child = await startChild('sdk-http', { SDK_HTTP_ERA: era2026_07_28 ? '2026-07-28' : '2025', SDK_HTTP_SUB: USER.sub }, opts);
    h = headers(jwt, era2026_07_28);
    if (era2026_07_28) body = call2026_07_28;
  } else if (row === 'baseline') {
    const sample = await startChild('server', { LOG_LEVEL: 'warn', LOGTO_ENDPOINT: idp.info['origin']!, PORT: String(PORT), MCP_STATELESS: 'true' });
    const text = await (await fetch(sample.info['mcpUrl']!, { method: 'POST', headers: headers(jwt), body: call2025 })).text();
    await sample.stop();
    child = await startChild('baseline', { BASELINE_BODY: text }, opts);
    h = headers(jwt);
  } else {
    child = await startChild('server', { LOG_LEVEL: 'warn', LOGTO_ENDPOINT: idp.info['origin']!, PORT: String(PORT), MCP_STATELESS: 'true' }, opts);
    if (row === 'jwt') h = headers(jwt);
    else if (row === '2026-07-28-jwt') {
      h = headers(jwt, true);
      body = call2026_07_28;
    } else if (row === 'notoken') {
      h = headers();
      verify = (b) => b.includes('"error":"unauthorized"');
      status = 'refused';
    } else throw new Error(`unknown row ${row}`);
  }
  const url = child.info['mcpUrl']!.replace('localhost', '127.0.0.1');
  try {
    await drive(url, h, body, WARMUP, verify, status);
    if (mode === 'strace') {
      const file = `${OUT}strace-${tag}.txt`;
      const tracer = spawn('strace', ['-c', '-f', '-p', String(child.pid), '-o', file], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 1000));
      const n = await drive(url, h, body, CALLS, verify, status);
      tracer.kill('SIGINT');
      await new Promise((r) => tracer.once('exit', r));
      return `${row}: ${straceSummary(readFileSync(file, 'utf8'), n)}`;
    }
    if (mode === 'perf') {
      // Software events only (no hardware counters in this VM): page faults and context switches.
      const file = `${OUT}perf-${tag}.txt`;
      const perf = spawn('perf', ['stat', '-x', ',', '-e', 'page-faults,context-switches,cpu-migrations', '-p', String(child.pid), '-o', file], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 1000));
      const n = await drive(url, h, body, CALLS, verify, status);
      perf.kill('SIGINT');
      await new Promise((r) => perf.once('exit', r));
      const counts = readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.split(','))
        .filter((c) => c.length > 3 && /^\d/.test(c[0]!))
        .map((c) => `${c[2]} ${(Number(c[0]) / n).toFixed(2)}`);
      return `${row}: per response (${n} calls): ${counts.join(', ')}`;
    }
    if (mode === 'heap') {
      // COUNT_PROMOTED=1: only what outlived the young generation (promoted to the old one).
      await heap(child, 'start', process.env['COUNT_PROMOTED'] === '1');
      const n = await drive(url, h, body, CALLS, verify, status);
      const bytes = await heap(child, 'stop');
      const total = Object.values(bytes).reduce((a, b) => a + b, 0);
      const top = Object.entries(bytes)
        .sort((a, b) => b[1] - a[1])
        .slice(0, Number(process.env['COUNT_TOP'] ?? 25))
        .map(([k, v]) => `\n  ${(v / n / 1024).toFixed(2).padStart(6)} KB  ${k}`);
      return `${row}: ${(total / n / 1024).toFixed(1)} KB allocated per call (sampled, ${n} calls)${top.join('')}`;
    }
    if (mode === 'record') {
      // CPU-time samples (cpu-clock counts only while the process runs, kernel included), not the
      // wall-clock ticks of --cpu-prof, which charge a preempted thread's waiting to where it stood.
      const file = `${OUT}perf-${tag}.data`;
      const perf = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '2000', '-g', '-p', String(child.pid), '-o', file], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 1000));
      const n = await drive(url, h, body, CALLS, verify, status);
      perf.kill('SIGINT');
      await new Promise((r) => perf.once('exit', r));
      return `${row}: ${n} calls recorded in ${file} (perf report -i ${file} --no-children --sort sym)`;
    }
    if (mode === 'callgrind') {
      execFileSync('callgrind_control', ['--zero', String(child.pid)]);
      execFileSync('callgrind_control', ['--instr=on', String(child.pid)]);
      const n = await drive(url, h, body, CALLS, verify, status);
      execFileSync('callgrind_control', ['--instr=off', String(child.pid)]);
      execFileSync('callgrind_control', ['--dump=measured', String(child.pid)]);
      const dumps = readdirSync(OUT).filter((f) => f.startsWith(`callgrind-${tag}.`));
      const measured = dumps.map((f) => OUT + f).find((f) => /^totals: [1-9]/m.test(readFileSync(f, 'utf8')))!;
      const total = Number(/^totals: (\d+)/m.exec(readFileSync(measured, 'utf8'))![1]);
      // V8's optimising compiler runs on worker threads that valgrind starves, so under callgrind it
      // is still busy after a warm-up that settles it natively (mode `opt`): counted apart.
      const annotate = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', measured], { maxBuffer: 1 << 28 }).toString();
      const inclusive = (name: string) => Number(new RegExp(`^\\s*([\\d,]+) \\([^)]*\\)\\s+\\?\\?\\?:${name}`, 'm').exec(annotate)?.[1]?.replaceAll(',', '') ?? 0);
      const compile = inclusive('v8::internal::OptimizingCompileDispatcher::CompileTask::RunInternal');
      // GC: the main thread's collections and marking steps, and V8's worker threads less the
      // compiler (parallel scavenging, concurrent marking, sweeping).
      const workers = inclusive('node::\\(anonymous namespace\\)::PlatformWorkerThread') - compile;
      const gc = inclusive('v8::internal::Heap::CollectGarbage') + inclusive('v8::internal::IncrementalMarking::Observer::Step') + workers;
      const k = (x: number) => `${Math.round(x / n / 1000)}k`;
      return `${row}: ${k(total - compile)} Ir per call without JIT compilation: mutator ${k(total - compile - gc)}, GC ${k(gc)} (compilation apart: ${k(compile)}; ${n} calls; ${measured})`;
    }
    const before = await child.stats({ gc: true });
    const n = await drive(url, h, body, CALLS, verify, status);
    const after = await child.stats({ gc: true });
    // Retained across the measured calls (after a full GC on both sides): what a leak would show.
    const retained = ((after.heapUsed - before.heapUsed) / n).toFixed(0);
    return `${row}: ${n} calls measured (heap after GC: ${(before.heapUsed / 2 ** 20).toFixed(1)} → ${(after.heapUsed / 2 ** 20).toFixed(1)} MB, ${retained} B per call)`;
  } finally {
    await child.stop();
    if (stdout !== undefined) closeSync(stdout);
  }
}

/** Starts, or stops and returns, the child's allocation sampling (children/ipc.ts): bytes by function. */
function heap(child: Child, action: 'start' | 'stop', promotedOnly = false): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    child.proc.on('message', function onHeap(message: ChildMessage) {
      if (message.type !== 'heap') return;
      child.proc.off('message', onHeap);
      resolve(message.bytes);
    });
    child.proc.send({ type: 'heap', action, ...(promotedOnly ? { promotedOnly } : {}) } satisfies ParentMessage);
  });
}

/** `strace -c` table → total syscalls per response and the largest few. */
function straceSummary(text: string, n: number): string {
  const rows = text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c.length >= 5 && /^\d/.test(c[0]!) && c.at(-1) !== 'total')
    .map((c) => ({ name: c.at(-1)!, calls: Number(c[3]) }));
  const total = rows.reduce((a, r) => a + r.calls, 0);
  const top = rows.sort((a, b) => b.calls - a.calls).slice(0, 8).map((r) => `${r.name} ${(r.calls / n).toFixed(2)}`);
  return `${(total / n).toFixed(2)} syscalls per response (${n} calls): ${top.join(', ')}`;
}

const results: string[] = [];
try {
  for (const row of only.length ? only : ['baseline', 'jwt', '2026-07-28-jwt', 'notoken']) {
    log(`${row}…`);
    results.push(await measure(row));
    log(results.at(-1)!);
    if (mode === 'opt') {
      const file = readdirSync(OUT).find((f) => f.startsWith(`opt-${row}-${process.pid}`))!;
      const lines = readFileSync(OUT + file, 'utf8').split('\n').filter((l) => l.includes('completed compiling'));
      const where = new Map<string, number>();
      for (const l of lines) {
        const key = /<JSFunction ([^ >]*)/.exec(l)?.[1] ?? '?';
        where.set(key, (where.get(key) ?? 0) + 1);
      }
      const top = [...where].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${v} ${k}`);
      results[results.length - 1] += ` — ${lines.length} optimised compilations in ${CALLS + WARMUP} calls + start-up; ${top.join('; ')}`;
    }
    if (mode === 'deopt') {
      const file = readdirSync(OUT).find((f) => f.startsWith(`deopt-${row}-${process.pid}`))!;
      const lines = readFileSync(OUT + file, 'utf8').split('\n').filter((l) => l.includes('bailout (kind'));
      const where = new Map<string, number>();
      for (const l of lines) {
        const k = /<JSFunction ([^ >]*)[^>]*> \(opt id|reason: ([^)]*)\)/.exec(l);
        const key = `${/<JSFunction ([^ >]*)/.exec(l)?.[1] ?? '?'}: ${/reason: ([^)]*)\)/.exec(l)?.[1] ?? '?'}`;
        void k;
        where.set(key, (where.get(key) ?? 0) + 1);
      }
      const top = [...where].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${v} ${k}`);
      results[results.length - 1] += ` — ${lines.length} deopts in ${CALLS + WARMUP} calls + start-up; ${top.join('; ')}`;
    }
    if (mode === 'gc') {
      const file = readdirSync(OUT).find((f) => f.startsWith(`gc-${row}-${process.pid}`))!;
      // Not the collections the stats message forces (global.gc(): reason "testing").
      const lines = readFileSync(OUT + file, 'utf8').split('\n').filter((l) => !l.includes('testing'));
      // The warm-up's GCs are in the file too: counted from the measured half only is not possible
      // from the log alone, so the whole run (warm-up + measured) is divided by both.
      const s = lines.filter((l) => l.includes('Scavenge')).length;
      const m = lines.filter((l) => l.includes('Mark-Compact')).length;
      // Allocated ≈ the heap's growth between one collection's end and the next one's start.
      let allocated = 0;
      let after: number | undefined;
      for (const l of lines) {
        const x = /: (?:Scavenge|Mark-Compact)[^\d]*([\d.]+) \([\d.]+\) -> ([\d.]+)/.exec(l);
        if (!x) continue;
        if (after !== undefined) allocated += Math.max(0, Number(x[1]) - after);
        after = Number(x[2]);
      }
      const per = CALLS + WARMUP;
      results[results.length - 1] += ` — ${((1000 * s) / per).toFixed(1)} scavenges, ${((1000 * m) / per).toFixed(2)} mark-compacts per 1k calls; ≈ ${((allocated * 1024) / per).toFixed(1)} KB allocated per call (warm-up and measured calls together)`;
      if (!process.env["COUNT_KEEP"]) rmSync(OUT + file);
    }
  }
} finally {
  await idp.stop();
}
process.stdout.write(`${results.join('\n')}\n`);
