/**
 * The measuring loop of the SDK floor children (sdk-floor.ts, sdk-v1-floor.ts): CPU time per call of
 * one async step, after a warm-up, with one answer checked so a loop that measures an error fails.
 */

/** CPU milliseconds per call of `one` over `calls` calls, after `warmup` calls; fails if an answer is not what it should be. */
export async function cpuMsPerCall(one: () => Promise<string>, expect: string, o: { calls: number; warmup: number }): Promise<number> {
  for (let i = 0; i < o.warmup; i++) await one();
  const sample = await one();
  if (!sample.includes(expect)) throw new Error(`unexpected answer: ${sample.slice(0, 200)}`);
  const before = process.cpuUsage();
  for (let i = 0; i < o.calls; i++) await one();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / o.calls;
}
