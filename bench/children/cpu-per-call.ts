/**
 * The measuring loop of the SDK floor children (sdk-floor.ts, sdk-v1-floor.ts): CPU time per call of
 * one async step, after a warm-up, with one answer checked so a loop that measures an error fails.
 */

/** CPU milliseconds per call of `one` over `calls` calls, after `warmup` calls; fails if an answer is not what it should be. */
export async function cpuMsPerCall(one: () => Promise<string>, expect: string, loop: { calls: number; warmup: number }): Promise<number> {
  for (let i = 0; i < loop.warmup; i++) await one();
  const sample = await one();
  if (!sample.includes(expect)) throw new Error(`unexpected answer: ${sample.slice(0, 200)}`);
  const before = process.cpuUsage();
  for (let i = 0; i < loop.calls; i++) await one();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / loop.calls;
}

/**
 * The same with `inFlight` calls overlapping, as the bench's connections overlap on the server: each
 * of `inFlight` chains starts its next call when its last one answered. What one call allocates then
 * lives while the others run — the garbage an in-process one-at-a-time loop never keeps.
 */
export async function cpuMsPerOverlappingCall(one: () => Promise<string>, expect: string, loop: { calls: number; warmup: number; inFlight: number }): Promise<number> {
  const chains = async (calls: number) => {
    const perChain = Math.ceil(calls / loop.inFlight);
    await Promise.all(
      Array.from({ length: loop.inFlight }, async () => {
        for (let i = 0; i < perChain; i++) {
          const answer = await one();
          if (!answer.includes(expect)) throw new Error(`unexpected answer: ${answer.slice(0, 200)}`);
        }
      }),
    );
    return perChain * loop.inFlight;
  };
  await chains(loop.warmup);
  const before = process.cpuUsage();
  const done = await chains(loop.calls);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / done;
}
