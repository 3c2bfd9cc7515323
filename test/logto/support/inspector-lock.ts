import { spawn } from 'node:child_process';
import { after, before } from 'node:test';

/**
 * Holds `flock /tmp/inspector.lock` (the machine-wide lock every MCP Inspector run takes: its ports
 * 6274/6276/6277 are fixed) until `release()`: a `flock` child that owns the lock while its stdin is open.
 * Waits at most `timeoutMs` for another holder to finish.
 */
export async function holdInspectorLock(timeoutMs = 900_000): Promise<{ release(): void }> {
  const child = spawn('flock', ['-w', String(Math.ceil(timeoutMs / 1000)), '/tmp/inspector.lock', '-c', 'echo locked; cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`could not take /tmp/inspector.lock (flock exited ${code})`)));
    child.once('error', reject);
  });
  return { release: () => child.stdin.end() };
}

/** Holds the lock for the enclosing describe block: taken in a `before` hook, released in an `after` hook. */
export function inspectorLockHooks(): void {
  let lock: { release(): void } | undefined;
  before(async () => {
    lock = await holdInspectorLock();
  });
  after(() => lock?.release());
}
