/**
 * The CLI end to end against our server and its embedded dev IdP, all on 127.0.0.1: the browser
 * step is driven headlessly over HTTP (login form, consent, redirect to the CLI's loopback
 * listener), so the CLI's real login code runs unchanged.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli, type CliDeps } from '../../src/cli/commands.js';
import type { OpenBrowser } from '../../src/cli/browser.js';
import type { ServerRecord } from '../../src/cli/store.js';
import { DEV_USERS } from '../../src/dev-idp/index.js';
import { startServer, type RunningServer } from '../../src/start/start-server.js';
import { authorizeHeadless } from '../support/authorize-headless.js';
import { noBrowserExpected, runCliIn, type CliRun } from '../support/cli-run.js';
import { LogCapture } from '../support/harness.js';

const alice = DEV_USERS.find((u) => u.username === 'alice')!;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A user at a browser (the same headless sign-in the interop tests use): signs in, presses
 * "Authorize", and stops at the CLI's loopback redirect — which it then delivers (a real GET to
 * the CLI's listener) unless `deliver` is false. Returns that redirect URL.
 */
async function browse(authorizationUrl: string, user: { username: string; password: string }, deliver = true): Promise<string> {
  const url = new URL(authorizationUrl);
  const { callbackUrl } = await authorizeHeadless(url, url.searchParams.get('redirect_uri') ?? '', user);
  if (deliver) {
    const res = await fetch(callbackUrl, { signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
  }
  return callbackUrl.href;
}

const asAlice: OpenBrowser = async (url) => {
  await browse(url, alice);
  return true;
};

describe('CLI end to end (server + dev IdP)', () => {
  let server: RunningServer;
  let configHome: string;
  let storeDir: string;
  const printed: string[] = [];
  /** The server's log: its request lines name the era that served each /mcp request. */
  const logs = new LogCapture();

  const cli = async (argv: string[], extra: Partial<CliDeps> = {}): Promise<CliRun> => {
    const run = await runCliIn(configHome, argv, { callbackTimeoutMs: 10_000, ...extra });
    printed.push(run.out, run.err);
    return run;
  };

  const record = async (serverUrl: string): Promise<ServerRecord> => {
    const files = await readdir(storeDir);
    for (const name of files.filter((f) => f.endsWith('.json'))) {
      const r = JSON.parse(await readFile(join(storeDir, name), 'utf8')) as ServerRecord;
      if (r.serverUrl === new URL(serverUrl).href) return r;
    }
    throw new Error(`nothing stored for ${serverUrl}`);
  };

  const fileOf = async (serverUrl: string): Promise<string> => {
    for (const name of await readdir(storeDir)) {
      if (!name.endsWith('.json')) continue;
      const r = JSON.parse(await readFile(join(storeDir, name), 'utf8')) as ServerRecord;
      if (r.serverUrl === new URL(serverUrl).href) return join(storeDir, name);
    }
    throw new Error(`nothing stored for ${serverUrl}`);
  };

  const claims = (out: string): Record<string, unknown> => JSON.parse(out) as Record<string, unknown>;

  before(async () => {
    configHome = await mkdtemp(join(tmpdir(), 'cli-e2e-'));
    storeDir = join(configHome, 'logto-whoami-mcp');
    server = await startServer({ PORT: '0', DEV_IDP_PORT: '0', LOG_LEVEL: 'info' }, { banner: false, logDestination: logs });
    await server.ready;
  });

  after(async () => {
    await server?.close();
    await rm(configHome, { recursive: true, force: true });
  });

  it('login: discovery, dynamic registration on the real loopback port, browser, code exchange; stored 0600', async () => {
    const run = await cli(['login', server.mcpUrl], { openBrowser: asAlice });
    assert.equal(run.code, 0, run.err);
    const r = await record(server.mcpUrl);
    assert.equal(r.issuer, server.issuer);
    assert.equal(r.resource, server.resources.mcp);
    assert.equal(r.client?.kind, 'dynamic');
    assert.ok(r.tokens?.access_token && r.tokens.refresh_token, 'access and refresh token stored');
    assert.match(r.tokens.requested_scope ?? '', /offline_access/, 'offline_access requested (the dev IdP lists it)');
    const mode = (await stat(await fileOf(server.mcpUrl))).mode & 0o777;
    assert.equal(mode, 0o600);
    assert.match(run.out, new RegExp(`issuer: +${server.issuer.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  });

  it('whoami over streamable HTTP returns alice, from the stored token (no sign-in)', async () => {
    const run = await cli(['whoami', server.mcpUrl]);
    assert.equal(run.code, 0, run.err);
    assert.equal(claims(run.out)['sub'], alice.sub);
  });

  it('protocol era auto (the default) speaks 2026-07-28 to our /mcp; pinned 2026-07-28 too', async () => {
    for (const argv of [['whoami', server.mcpUrl, '--verbose'], ['whoami', server.mcpUrl, '--verbose', '--protocol-era', '2026-07-28']]) {
      const from = logs.chunks.length;
      const run = await cli(argv);
      assert.equal(run.code, 0, run.err);
      assert.match(run.err, /Connected: MCP 2026-07-28 \(2026-07-28 era, streamable\)/);
      assert.equal(claims(run.out)['sub'], alice.sub);
      const eras = logs.mcpErasSince(from);
      assert.ok(eras.length >= 2, 'server/discover and tools/call were logged');
      assert.deepEqual([...new Set(eras)], ['2026-07-28'], 'the server served every request on its 2026-07-28 path');
    }
  });

  it('--protocol-era 2025 still works: the 2025 initialize handshake on the same /mcp', async () => {
    const from = logs.chunks.length;
    const run = await cli(['call', server.mcpUrl, 'whoami', '{}', '--verbose', '--protocol-era', '2025']);
    assert.equal(run.code, 0, run.err);
    assert.match(run.err, /Connected: MCP 2025-\d\d-\d\d \(2025 era, streamable\)/);
    assert.equal(claims(run.out)['sub'], alice.sub);
    const eras = logs.mcpErasSince(from);
    assert.ok(eras.length >= 2, 'initialize and tools/call were logged');
    assert.deepEqual([...new Set(eras)], ['2025'], 'the server served every request on its 2025 path');
  });

  it('--protocol-era: an unknown era, or 2026-07-28 over HTTP+SSE, is a usage error', async () => {
    const unknown = await cli(['whoami', server.mcpUrl, '--protocol-era', '2026']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /--protocol-era must be/);
    const sse = await cli(['whoami', server.sseUrl, '--transport', 'sse', '--protocol-era', '2026-07-28']);
    assert.equal(sse.code, 2);
    assert.match(sse.err, /needs --transport streamable/);
  });

  it('whoami over SSE returns alice (first use of the SSE URL signs in on the 401)', async () => {
    const run = await cli(['whoami', server.sseUrl, '--transport', 'sse'], { openBrowser: asAlice });
    assert.equal(run.code, 0, run.err);
    assert.equal(claims(run.out)['sub'], alice.sub);
    const again = await cli(['whoami', server.sseUrl, '--transport', 'sse']);
    assert.equal(again.code, 0, again.err);
    assert.equal(claims(again.out)['sub'], alice.sub);
  });

  it('a new process reuses the stored token', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/index.ts'), 'client', 'whoami', server.mcpUrl, '--no-browser'], {
      cwd: repoRoot,
      env: { ...process.env, XDG_CONFIG_HOME: configHome, HOME: configHome },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    printed.push(out, err);
    assert.equal(code, 0, err);
    assert.equal(claims(out)['sub'], alice.sub);
  });

  it('an expired access token is refreshed without a sign-in — once, even by two processes at the same time', async () => {
    const path = await fileOf(server.mcpUrl);
    const before = await record(server.mcpUrl);
    await writeFile(path, JSON.stringify({ ...before, tokens: { ...before.tokens, expires_at: Math.floor(Date.now() / 1000) - 5 } }), { mode: 0o600 });
    // Refresh tokens rotate: a second refresh with the same one would fail (and revoke the grant).
    const [a, b] = await Promise.all([cli(['whoami', server.mcpUrl]), cli(['whoami', server.mcpUrl])]);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    assert.equal(claims(a.out)['sub'], alice.sub);
    assert.equal(claims(b.out)['sub'], alice.sub);
    const after = await record(server.mcpUrl);
    assert.notEqual(after.tokens?.access_token, before.tokens?.access_token);
    assert.notEqual(after.tokens?.refresh_token, before.tokens?.refresh_token);
    assert.ok((after.tokens?.expires_at ?? 0) > Date.now() / 1000);
    assert.equal([a.err, b.err].join('\n').match(/Access token refreshed/g)?.length, 1, 'exactly one refresh');
  });

  it('status lists server, issuer and expiry without secrets', async () => {
    const run = await cli(['status', '--json']);
    assert.equal(run.code, 0, run.err);
    const rows = JSON.parse(run.out) as Array<Record<string, unknown>>;
    const row = rows.find((r) => r['server'] === new URL(server.mcpUrl).href);
    assert.equal(row?.['issuer'], server.issuer);
    assert.equal(row?.['signedIn'], true);
  });

  it('tools and call work through the same session', async () => {
    const tools = await cli(['tools', server.mcpUrl]);
    assert.equal(tools.code, 0, tools.err);
    assert.match(tools.out, /^whoami/m);
    const call = await cli(['call', server.mcpUrl, 'whoami', '{}']);
    assert.equal(call.code, 0, call.err);
    assert.equal(claims(call.out)['sub'], alice.sub);
  });

  it('logout revokes: the old refresh token no longer works at the token endpoint', async () => {
    const r = await record(server.mcpUrl);
    const refreshToken = r.tokens?.refresh_token;
    assert.ok(refreshToken);
    const run = await cli(['logout', server.mcpUrl]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /revoked/);
    await assert.rejects(record(server.mcpUrl));

    const tokenEndpoint = r.discovery?.authorizationServerMetadata?.token_endpoint;
    assert.ok(tokenEndpoint?.endsWith('/oidc/token') || tokenEndpoint);
    const res = await fetch(tokenEndpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: r.client!.client_id }),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_grant');
  });

  it('--no-browser: prints the URL and accepts the pasted redirect URL', async () => {
    const stdin = new PassThrough();
    const err: string[] = [];
    const out: string[] = [];
    const done = runCli(['login', server.mcpUrl, '--no-browser'], {
      env: { XDG_CONFIG_HOME: configHome, HOME: configHome },
      stdout: (t) => out.push(t),
      stderr: (t) => {
        err.push(t);
        const url = /https?:\/\/\S+\/auth\?\S+/.exec(t)?.[0];
        // The user signs in elsewhere and pastes where the browser landed (not delivered to the listener).
        if (url) void browse(url, alice, false).then((landed) => stdin.write(`not a url\n${landed}\n`), (e: unknown) => err.push(`browse failed: ${String(e)}`));
      },
      stdin,
      openBrowser: noBrowserExpected,
      callbackTimeoutMs: 10_000,
    });
    const code = await done;
    printed.push(...out, ...err);
    assert.equal(code, 0, err.join('\n'));
    assert.ok((await record(server.mcpUrl)).tokens?.access_token);
  });

  it('a state mismatch aborts the sign-in', async () => {
    const forged: OpenBrowser = async (url) => {
      const redirect = new URL(new URL(url).searchParams.get('redirect_uri')!);
      redirect.search = new URLSearchParams({ code: 'forged', state: 'not-the-state', iss: server.issuer }).toString();
      await (await fetch(redirect)).body?.cancel();
      return true;
    };
    const run = await cli(['login', server.mcpUrl], { openBrowser: forged });
    assert.equal(run.code, 1);
    assert.match(run.err, /state_mismatch/);
  });

  it('an iss that is not the issuer (RFC 9207) aborts the sign-in', async () => {
    const mixUp: OpenBrowser = async (url) => {
      const auth = new URL(url);
      const redirect = new URL(auth.searchParams.get('redirect_uri')!);
      redirect.search = new URLSearchParams({ code: 'x', state: auth.searchParams.get('state')!, iss: 'https://evil.example' }).toString();
      await (await fetch(redirect)).body?.cancel();
      return true;
    };
    const run = await cli(['login', server.mcpUrl], { openBrowser: mixUp });
    assert.equal(run.code, 1);
    assert.match(run.err, /issuer_mismatch/);
  });

  it('never printed a token', async () => {
    const secrets: string[] = [];
    for (const name of (await readdir(storeDir)).filter((f) => f.endsWith('.json'))) {
      const r = JSON.parse(await readFile(join(storeDir, name), 'utf8')) as ServerRecord;
      for (const t of [r.tokens?.access_token, r.tokens?.refresh_token]) if (t) secrets.push(t);
    }
    assert.ok(secrets.length > 0);
    const all = printed.join('\n');
    for (const s of secrets) assert.ok(!all.includes(s), 'a token appeared in the output');
  });
});
