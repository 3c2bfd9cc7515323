/**
 * `npm run test:logto`: starts ONE real Logto (../shared/logto, fresh database, free loopback ports),
 * sets the tenant up through the Management API, runs the test/logto files one at a time against it
 * (they read LOGTO_SUITE_STATE), then stops Logto — also on failure and on Ctrl-C.
 * Arguments: test files to run instead of all of test/logto/*.test.ts.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { logtoHome, REPO_ROOT, scratchDir, startLogto, stopLogto } from './support/logto.js';
import { STATE_ENV, writeState } from './support/suite.js';
import { setupTenant } from './support/tenant.js';

const files = process.argv.slice(2);
const tests = files.length > 0 ? files : readdirSync(join(REPO_ROOT, 'test/logto')).filter((f) => f.endsWith('.test.ts')).map((f) => join('test/logto', f));
const dir = scratchDir('suite');
try {
  logtoHome();
} catch (error) {
  console.error(`test:logto: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

let stopping: Promise<void> | undefined;
const stop = () => (stopping ??= stopLogto(dir).catch((error: unknown) => console.error(`stop-logto.sh failed: ${String(error)}`)));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stop().then(() => process.exit(130)));
}

let code = 1;
try {
  const started = Date.now();
  console.error(`test:logto: starting the real Logto in ${dir} …`);
  const logto = await startLogto(dir);
  const tenant = await setupTenant(logto);
  const statePath = join(dir, 'suite-state.json');
  writeState(statePath, logto, tenant);
  console.error(`test:logto: Logto 1.37.1 at ${logto.endpoint} ready with the test tenant in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', ...tests],
      { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, [STATE_ENV]: statePath } },
    );
    child.once('exit', (status) => resolve(status ?? 1));
  });
} catch (error) {
  console.error(`test:logto: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await stop();
}
process.exit(code);
