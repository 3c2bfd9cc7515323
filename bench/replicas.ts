/**
 * The bench's several-instances setup: a redis-server and nginx (the configuration of
 * the cluster tests, bench/support/processes.ts) in front of server children, and one target that
 * adds up the replicas' stats so `cannon` measures the whole group as it measures one server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNginx, startRedis } from './support/processes.js';
import type { Child } from './child.js';
import type { ChildStats } from './children/ipc.js';

export async function startRedisForBench(port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'lwm-bench-redis-'));
  const redis = await startRedis(port, dir);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** nginx on `listen` in front of `replicas`, as a bench target: its URL, their summed stats. */
export async function balancedTarget(listen: number, replicas: Child[]): Promise<Child> {
  const nginx = await startNginx(listen, replicas.map((r) => Number(r.info['port'])));
  const url = `http://127.0.0.1:${listen}`;
  return {
    proc: nginx.child,
    pid: nginx.child.pid!,
    info: { url, mcpUrl: `${url}/mcp` },
    async stats(o = {}) {
      const all = await Promise.all(replicas.map((r) => r.stats(o)));
      const sum = (f: (s: ChildStats) => number) => all.reduce((a, s) => a + f(s), 0);
      const upstream: Record<string, number> = {};
      for (const s of all) for (const [k, v] of Object.entries(s.upstream)) upstream[k] = (upstream[k] ?? 0) + v;
      return { cpuMicros: sum((s) => s.cpuMicros), sysMicros: sum((s) => s.sysMicros), rss: sum((s) => s.rss), heapUsed: sum((s) => s.heapUsed), peakRss: sum((s) => s.peakRss), upstream };
    },
    stop: () => nginx.stop(),
  };
}
