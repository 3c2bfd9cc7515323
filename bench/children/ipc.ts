/**
 * The bench-only side channel of a child process: the parent asks, the child answers with its
 * own CPU time, memory and upstream counters. Nothing here runs in the production entry point.
 */

export interface ChildStats {
  /** process.cpuUsage() user + system, in microseconds. */
  cpuMicros: number;
  /** The system (kernel) part of it. */
  sysMicros: number;
  rss: number;
  heapUsed: number;
  /** Highest RSS sampled since the last `reset`. */
  peakRss: number;
  /** Calls the server made to the identity provider, by kind (`discovery`, `jwks`, `userinfo`, `other`). */
  upstream: Record<string, number>;
}

/** The built `dist/` module at `path` (e.g. `server.js`): children run what `node dist/index.js` runs. */
export function distUrl(path: string): string {
  return new URL(`dist/${path}`, `file://${process.env['BENCH_ROOT'] ?? ''}`).href;
}

export type ParentMessage = { type: 'stats'; reset?: boolean; gc?: boolean } | { type: 'exit' } | { type: 'heap'; action: 'start' | 'stop'; promotedOnly?: boolean };
/** `heap`: allocation samples by function (bytes, every allocation, collected or not) since `start`. */
export type ChildMessage = ({ type: 'ready' } & Record<string, unknown>) | ({ type: 'stats' } & ChildStats) | { type: 'heap'; bytes: Record<string, number> };

/**
 * bench/counts.ts's `heap` mode: V8's sampling heap profiler through the inspector, keeping the
 * samples of objects already collected (what a request allocates and drops is the point); with
 * `promotedOnly`, only of objects that outlived the young generation (what makes major GCs).
 */
async function heapSampling(action: 'start' | 'stop', promotedOnly = false): Promise<Record<string, number>> {
  const { Session } = await import('node:inspector/promises');
  const session = ((globalThis as { __benchHeapSession?: InstanceType<typeof Session> }).__benchHeapSession ??= new Session());
  if (action === 'start') {
    session.connect();
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !promotedOnly } as never);
    return {};
  }
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapNode } };
  const bytes: Record<string, number> = {};
  const walk = (n: HeapNode) => {
    const where = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`;
    if (n.selfSize) bytes[key] = (bytes[key] ?? 0) + n.selfSize;
    n.children.forEach(walk);
  };
  walk(profile.head);
  return bytes;
}
interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Serves `stats` requests on the IPC channel; `upstream` is read live. */
export function serveStats(upstream: Record<string, number>, onExit: () => Promise<void>): void {
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  sampler.unref();
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'exit') {
      void onExit().finally(() => process.exit(0));
      return;
    }
    if (message.type === 'heap') {
      void heapSampling(message.action, message.promotedOnly).then((bytes) => process.send?.({ type: 'heap', bytes } satisfies ChildMessage));
      return;
    }
    if (message.gc) {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
    }
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    peakRss = Math.max(peakRss, memory.rss);
    const reply: ChildMessage = {
      type: 'stats',
      cpuMicros: cpu.user + cpu.system,
      sysMicros: cpu.system,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      peakRss,
      upstream: { ...upstream },
    };
    process.send?.(reply);
    if (message.reset) peakRss = memory.rss;
  });
  // The parent going away ends the child too: never leave a server behind.
  process.on('disconnect', () => void onExit().finally(() => process.exit(0)));
}
