import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SpawnedServer {
  child: ChildProcess;
  /** PUBLIC_URL as the banner prints it. */
  url: string;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) and how long after `markStop()` it came. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; msSinceStop: number }>;
  /** Marks "now" as the moment shutdown was requested. */
  markStop(): void;
  kill(): void;
}

/** The command that starts the server, and where; `detached` gives it a process group of its own. */
export interface ServerLaunch {
  file: string;
  args: string[];
  cwd: string;
  detached?: boolean;
}

/**
 * Runs `src/index.ts` as a real process (what `npx tsx src/index.ts` runs: node with tsx's loader) — or
 * `launch` — with only `env` plus PATH/HOME, and waits (bounded) for the banner to learn its URL.
 */
export async function spawnServer(
  env: Record<string, string>,
  timeoutMs = 20_000,
  launch: ServerLaunch = { file: process.execPath, args: ['--import', 'tsx', 'src/index.ts'], cwd: ROOT },
): Promise<SpawnedServer> {
  const child = spawn(launch.file, launch.args, {
    cwd: launch.cwd,
    detached: launch.detached ?? false,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let stopAt = Date.now();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; msSinceStop: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, msSinceStop: Date.now() - stopAt })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start: ${err.slice(-500)}`));
    }, timeoutMs);
    const check = () => {
      const m = /Streamable HTTP\s+(http:\/\/\S+?)\/mcp/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stderr!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited during start: ${err.slice(-500)}`));
    });
  });
  return {
    child,
    url,
    port: Number(new URL(url).port),
    stdout: () => out,
    stderr: () => err,
    exited,
    markStop: () => (stopAt = Date.now()),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
