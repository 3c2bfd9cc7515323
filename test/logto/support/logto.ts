/**
 * The real Logto (open-source 1.37.1) for tests: `../shared/logto` beside the repository (override with
 * LOGTO_HOME), started with its own `start-logto.sh DIR` on free loopback ports and stopped with
 * `stop-logto.sh DIR`. A missing Logto is an error, never a skip: "proven against Logto" must mean it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface LogtoInstance {
  /** The "Logto endpoint", e.g. http://localhost:PORT; the issuer is `${endpoint}/oidc`. */
  endpoint: string;
  issuer: string;
  adminEndpoint: string;
  /** A machine-to-machine app whose role grants the Management API permission `all`. */
  m2mAppId: string;
  m2mAppSecret: string;
  managementApiResource: string;
  /** The scratch folder start-logto.sh used (the unpacked Logto stays there for the next start). */
  dir: string;
}

/** Where the Logto distribution lives: LOGTO_HOME, else `<repo>/../shared/logto`. Throws when it is missing. */
export function logtoHome(): string {
  const home = process.env['LOGTO_HOME'] ?? resolve(REPO_ROOT, '..', 'shared', 'logto');
  if (!existsSync(join(home, 'start-logto.sh'))) {
    throw new Error(
      `The real Logto is missing: no start-logto.sh in ${home}. The real-Logto suite needs ../shared/logto beside the ` +
        'repository (or LOGTO_HOME); it fails rather than skips.',
    );
  }
  return home;
}

/**
 * A stable scratch folder per checkout and name, so the ~250 MB tarball is unpacked once, not on every
 * run — and two checkouts (git worktrees) running the suite at once never share one Logto or database.
 */
export function scratchDir(name: string): string {
  const checkout = createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 8);
  return join(tmpdir(), `logto-whoami-mcp-${process.getuid?.() ?? 'u'}-${checkout}-${name}`);
}

/** Starts a fresh Logto (new database) in `dir`; about 8 s after the first unpack. */
export async function startLogto(dir: string): Promise<LogtoInstance> {
  const home = logtoHome();
  try {
    await run(join(home, 'start-logto.sh'), [dir], {
      timeout: 180_000,
      maxBuffer: 16 * 1024 * 1024,
      // Logto's pool gives up on a PostgreSQL connection after 5 s by default, and the core then exits with
      // "timeout expired"; on a loaded shared CI machine (load average ~70 measured) connecting takes longer.
      env: { ...process.env, DATABASE_CONNECTION_TIMEOUT: process.env['DATABASE_CONNECTION_TIMEOUT'] ?? '60000' },
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`start-logto.sh ${dir} failed: ${e.stderr?.trim() || e.message}`);
  }
  return readInstance(dir);
}

export function readInstance(dir: string): LogtoInstance {
  const env = Object.fromEntries(
    readFileSync(join(dir, 'logto.env'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const need = (key: string): string => {
    const value = env[key];
    if (!value) throw new Error(`${dir}/logto.env has no ${key}`);
    return value;
  };
  const endpoint = need('LOGTO_ENDPOINT');
  return {
    endpoint,
    issuer: `${endpoint}/oidc`,
    adminEndpoint: need('LOGTO_ADMIN_ENDPOINT'),
    m2mAppId: need('LOGTO_M2M_APP_ID'),
    m2mAppSecret: need('LOGTO_M2M_APP_SECRET'),
    managementApiResource: need('LOGTO_MANAGEMENT_API_RESOURCE'),
    dir,
  };
}

export async function stopLogto(dir: string): Promise<void> {
  await run(join(logtoHome(), 'stop-logto.sh'), [dir], { timeout: 60_000 });
}
