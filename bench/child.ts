import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { ChildMessage, ChildStats, ParentMessage } from './children/ipc.js';

export interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** What the child announced when ready (URLs, issuer…). */
  readonly info: Record<string, string>;
  stats(options?: { reset?: boolean; gc?: boolean }): Promise<ChildStats>;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = `${ROOT}artifacts/bench-children/`;
let built = false;

/**
 * The children run as plain JavaScript, like `node dist/index.js`: under tsx every child would carry
 * its loader thread (~33 MB RSS) and source maps (costly Error stacks). Transpiled once per run;
 * they are type-checked with the rest of bench/ (bench/tsconfig.json).
 */
function buildChildren(): void {
  if (built) return;
  mkdirSync(OUT, { recursive: true });
  const dir = `${ROOT}bench/children/`;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(dir + file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, verbatimModuleSyntax: true },
    });
    writeFileSync(OUT + file.replace(/\.ts$/, '.js'), outputText);
  }
  built = true;
}

/**
 * Forks a bench child (`children/server.ts`, `baseline.ts`, `idp.ts`, `sdk-floor.ts`, `sdk-v1-floor.ts`, `sdk-http.ts` or `mcp-auth.ts`) and
 * waits for its `ready` message, at most `timeoutMs`.
 */
export async function startChild(
  script: 'server' | 'baseline' | 'idp' | 'sdk-floor' | 'sdk-v1-floor' | 'sdk-http' | 'mcp-auth',
  env: Record<string, string>,
  options: { execArgv?: string[]; timeoutMs?: number; wrap?: string[]; stdout?: number } = {},
): Promise<Child> {
  buildChildren();
  // `wrap`: a command the child runs under (bench/counts.ts: valgrind), node and its flags after it.
  const [wrapper, ...wrapArgs] = options.wrap ?? [];
  const proc = fork(`${OUT}${script}.js`, [], {
    ...(wrapper ? { execPath: wrapper } : {}),
    execArgv: [...(wrapper ? [...wrapArgs, process.execPath] : []), '--expose-gc', ...(options.execArgv ?? [])],
    env: { ...process.env, NODE_ENV: 'development', BENCH_ROOT: ROOT, ...env },
    // The server's own logs go nowhere (pino still formats and writes them); stderr stays visible.
    stdio: ['ignore', options.stdout ?? 'ignore', 'inherit', 'ipc'],
  });
  const info = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} child not ready in time`)), options.timeoutMs ?? 30_000);
    proc.once('exit', (code) => reject(new Error(`${script} child exited early (${code})`)));
    proc.on('message', function onReady(message: ChildMessage) {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      proc.off('message', onReady);
      const { type: _type, ...rest } = message;
      resolve(rest as Record<string, string>);
    });
  });
  const send = (message: ParentMessage) => proc.send(message);
  return {
    proc,
    pid: proc.pid!,
    info,
    stats(o = {}) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('stats timed out')), 20_000);
        proc.on('message', function onStats(message: ChildMessage) {
          if (message.type !== 'stats') return;
          clearTimeout(timer);
          proc.off('message', onStats);
          const { type: _type, ...stats } = message;
          resolve(stats as ChildStats);
        });
        send({ type: 'stats', ...o });
      });
    },
    stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        send({ type: 'exit' });
      });
    },
  };
}
