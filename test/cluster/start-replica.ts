import { run, type Proc } from '../../bench/support/processes.js';

/** A replica: test/cluster/replica.ts with `env`; ready once discovery succeeded. */
export function startReplica(env: Record<string, string>): Promise<Proc> {
  return run(process.execPath, ['--import', 'tsx', 'test/cluster/replica.ts'], { env: { NODE_ENV: 'development', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }, ready: /^ready \d+$/m });
}
