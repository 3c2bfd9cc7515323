/**
 * The package as a user gets it: `npm pack` of a copy of this checkout (its prepack builds a fresh dist/),
 * the tarball installed into an empty directory, and `npx logto-whoami-mcp` run there. No network: every npm
 * runs with --offline against this machine's npm cache, which the checkout's `npm ci` filled. `npm install
 * <tarball>` would ask the registry for each dependency's version list, which a lockfile install never
 * caches; so the empty directory gets a lockfile instead — the checkout's, its production entries only —
 * and `npm ci --offline` installs exactly those tarballs from the cache.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../support/harness.js';
import { spawnServer, type SpawnedServer } from '../support/spawn-server.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What a fresh clone has that `npm pack` needs. */
const CHECKOUT = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', '.env.example', 'src'];

interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}

/** PATH, HOME and the npm cache of this machine, npm offline; none of the npm_* variables `npm test` sets. */
function npmEnv(): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    ...(process.env['npm_config_cache'] ? { npm_config_cache: process.env['npm_config_cache'] } : {}),
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

async function npm(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run('npm', args, { cwd, env: { ...npmEnv(), ...env }, timeout: 150_000, maxBuffer: 16 * 1024 * 1024 });
}

/** True when no process of the group `pgid` is left. */
function groupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return false;
  } catch {
    return true;
  }
}

/** Waits up to `ms` for the group `pgid` to be gone; true when it is. */
async function groupExits(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!groupGone(pgid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return groupGone(pgid);
}

describe('the packed package: npx logto-whoami-mcp', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logto-whoami-mcp-package-'));
  const app = join(dir, 'app');
  let packed: string[] = [];
  let server: SpawnedServer | undefined;

  before(async () => {
    const checkout = join(dir, 'checkout');
    for (const entry of CHECKOUT) cpSync(join(ROOT, entry), join(checkout, entry), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
    const [pack] = JSON.parse((await npm(checkout, ['pack', '--json', '--pack-destination', dir])).stdout) as { filename: string; files: { path: string }[] }[];
    packed = pack!.files.map((f) => f.path);

    const spec = `file:../${pack!.filename}`;
    const ours = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
    const root = { name: 'try-logto-whoami-mcp', version: '1.0.0', private: true, dependencies: { 'logto-whoami-mcp': spec } };
    const packages: Record<string, unknown> = {
      '': root,
      'node_modules/logto-whoami-mcp': { version: ours['version'], resolved: spec, license: ours['license'], dependencies: ours['dependencies'], bin: ours['bin'], engines: ours['engines'] },
    };
    for (const [path, entry] of Object.entries(lock.packages)) if (path && !entry.dev) packages[path] = entry;
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify(root, null, 2));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages }, null, 2));
    await npm(app, ['ci']);
  });

  after(() => {
    if (server && !groupGone(server.child.pid!)) process.kill(-server.child.pid!, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('ships the bin and what it runs, and no sources or tests', () => {
    for (const file of ['dist/index.js', 'dist/start/start-server.js', 'dist/cli/commands.js', 'dist/tenant/command.js', 'README.md', '.env.example', 'package.json']) {
      assert.ok(packed.includes(file), `${file} is in the tarball`);
    }
    assert.deepEqual(packed.filter((f) => /^(src|test|bench|scripts)\//.test(f)), []);
  });

  it('starts the server, which answers its protected-resource metadata and stops on SIGTERM', async () => {
    const [port, devIdpPort] = [await freePort(), await freePort()];
    server = await spawnServer({ ...npmEnv(), PORT: String(port), DEV_IDP_PORT: String(devIdpPort), LOG_LEVEL: 'warn' }, 60_000, {
      file: 'npx',
      args: ['logto-whoami-mcp'],
      cwd: app,
      detached: true,
    });
    assert.equal(server.url, `http://localhost:${port}`);
    assert.match(server.stderr(), /logto-whoami-mcp \(development IdP — not Logto\)/);
    const res = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { resource?: string }).resource, `http://localhost:${port}/mcp`);

    // SIGTERM to the process group, as a terminal's Ctrl-C (SIGINT) or `kill -TERM -<pgid>` reach npx and the
    // server alike: npx's shell does not pass a signal on to the server it started.
    process.kill(-server.child.pid!, 'SIGTERM');
    await server.exited;
    assert.ok(await groupExits(server.child.pid!, 15_000), 'every process npx started has exited');
    assert.match(server.stderr(), /SIGTERM: shutting down/);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'nothing listens on the port after SIGTERM');
  });

  it('reaches the client (client --help), the tenant commands (doctor) and its own usage as documented', async () => {
    const help = await npm(app, ['exec', '--', 'logto-whoami-mcp', 'client', '--help']);
    assert.match(help.stdout, /^Usage: logto-whoami-mcp client <command> \[options\]/);
    assert.match(help.stdout, /whoami <server-url>/);

    const usage = await npm(app, ['exec', '--', 'logto-whoami-mcp', 'help']);
    assert.match(usage.stdout, /client <command> \[options\]/);

    await assert.rejects(npm(app, ['exec', '--', 'logto-whoami-mcp', 'doctor'], { PORT: '3001' }), (error: { code?: number; stdout?: string }) => {
      assert.equal(error.code, 1, 'no LOGTO_ENDPOINT: doctor fails');
      assert.match(error.stdout ?? '', /logto-whoami-mcp doctor — \(no LOGTO_ENDPOINT\)/);
      return true;
    });
  });
});
