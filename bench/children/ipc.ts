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

export type ParentMessage = { type: 'stats'; reset?: boolean; gc?: boolean } | { type: 'exit' };
export type ChildMessage = ({ type: 'ready' } & Record<string, unknown>) | ({ type: 'stats' } & ChildStats);

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
