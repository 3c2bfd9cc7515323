/**
 * Claude Code 2.1.332 (`@anthropic-ai/claude-code`, its native binary from .cache/interop-tools) driven
 * the way a user does it: `claude mcp add`, `claude mcp list`, `claude mcp login` (in a terminal made by
 * util-linux `script`: login wants one), and one tool call in print mode (`claude -p`) whose model is
 * the loopback stand-in of helpers/messages-api-stand-in.ts. Claude Code does its own discovery,
 * registration (a `--client-id`, or its client ID metadata document), PKCE and token exchange; the
 * browser step is the test's: Claude Code "opens" the authorization URL with `$BROWSER`, a script that
 * only writes the URL down, and `authorize(url)` plays the user and returns the redirect URL, which is
 * then delivered to Claude Code's own callback listener.
 *
 * Each home is isolated (HOME, CLAUDE_CONFIG_DIR in a fresh temp dir) and nothing may leave loopback:
 * CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC (auto-updater, Statsig/Datadog telemetry, Sentry error
 * reports, GrowthBook feature flags, release notes, plugin marketplace downloads) plus each of the
 * switches it implies, a PATH without browser launchers, and ANTHROPIC_BASE_URL on EVERY command, not
 * only `claude -p`: without it even `claude mcp list` resolves api.anthropic.com (a DNS query off the
 * machine, retried for ~18 s). The API key is a dummy only the stand-in ever sees.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, spawnGroup, type RunResult } from './processes.js';
import type { ServedRequest } from './request-log.js';
import { ROOT, interopTools } from './tools.js';

export type ClaudeTransport = 'http' | 'sse';

/** Environment that keeps Claude Code on loopback (see the file comment). */
export const CLAUDE_CODE_QUIET_ENV: Readonly<Record<string, string>> = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_AUTOUPDATER: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  DISABLE_BUG_COMMAND: '1',
  CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
  DO_NOT_TRACK: '1',
  // Print mode: MCP tools go straight into the request's tool list instead of behind a search tool.
  ENABLE_TOOL_SEARCH: 'false',
};

/** Where the pinned Claude Code binary is, installing the interop tools first if needed. */
export function claudeCodeBinary(): string {
  interopTools();
  const binary = join(ROOT, '.cache/interop-tools/node_modules/@anthropic-ai/claude-code/bin/claude.exe');
  if (!existsSync(binary)) throw new Error(`Claude Code missing after install: ${binary}`);
  return binary;
}

export interface LoginResult {
  /** The authorization URL Claude Code opened. */
  authorizationUrl: URL;
  /** What `claude mcp login` printed (through its terminal). */
  output: string;
}

export interface ClaudeCodeHome {
  readonly dir: string;
  run(args: readonly string[], timeoutMs?: number): Promise<RunResult>;
  /** `claude mcp add --transport … [--client-id …] [--callback-port …] NAME URL`. */
  add(name: string, transport: ClaudeTransport, url: string, oauth?: { clientId?: string; callbackPort?: number }): Promise<void>;
  /** The health `claude mcp list` reports for `name` (e.g. `✔ Connected`, `! Needs authentication`). */
  health(name: string): Promise<string>;
  /** `claude mcp login NAME` through the browser step `authorize` (authorization URL → redirect URL with the code). */
  login(name: string, authorize: (authorizationUrl: URL) => Promise<URL>): Promise<LoginResult>;
  /** `claude mcp login NAME` up to the authorization URL it opens, then ended (for refusals at the IdP). */
  authorizationUrlOf(name: string): Promise<URL>;
  /** `claude mcp login NAME` expected to fail before any browser step; its output. */
  failedLogin(name: string): Promise<string>;
  /** One turn of print mode, allowed to use `tool` only; its JSON result. */
  print(prompt: string, tool: string): Promise<{ is_error: boolean; result: string; num_turns: number }>;
  /** Every protocol version Claude Code's own MCP log says it negotiated with server `name`. */
  negotiatedVersions(name: string): string[];
  remove(): void;
}

const BROWSER_LOG = 'browser-urls.txt';
const STEP_TIMEOUT = 60_000;

/**
 * A fresh, isolated Claude Code home whose every command talks to the model API at `modelBaseUrl` (the
 * stand-in). `env` adds variables (MCP_OAUTH_CLIENT_METADATA_URL, …).
 */
export function claudeCodeHome(modelBaseUrl: string, env: Record<string, string> = {}): ClaudeCodeHome {
  const claude = claudeCodeBinary();
  const dir = mkdtempSync(join(tmpdir(), 'interop-claude-code-'));
  const work = join(dir, 'project');
  mkdirSync(work);
  const browser = join(dir, 'browser.sh');
  // Claude Code "opens" the URL with $BROWSER; this one only writes it down.
  writeFileSync(browser, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${join(dir, BROWSER_LOG)}'\n`);
  chmodSync(browser, 0o755);
  const fullEnv: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    HOME: dir,
    CLAUDE_CONFIG_DIR: join(dir, '.claude'),
    TERM: 'xterm',
    BROWSER: browser,
    ANTHROPIC_API_KEY: 'sk-ant-interop-stand-in-only',
    ANTHROPIC_BASE_URL: modelBaseUrl,
    ...CLAUDE_CODE_QUIET_ENV,
    ...env,
  };
  const run = (args: readonly string[], timeoutMs = STEP_TIMEOUT): Promise<RunResult> => runCommand(claude, args, { cwd: work, env: fullEnv, timeoutMs });
  const browserUrls = (): string[] => {
    try {
      return readFileSync(join(dir, BROWSER_LOG), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  // `script` gives `claude mcp login` the terminal it wants; -e passes its exit status on.
  const startLogin = (name: string) => spawnGroup('script', ['-qfec', `${claude} mcp login ${name}`, '/dev/null'], { cwd: work, env: fullEnv });
  const nextBrowserUrl = async (before: number, login: ReturnType<typeof startLogin>): Promise<URL> => {
    const deadline = Date.now() + STEP_TIMEOUT;
    while (Date.now() < deadline) {
      const url = browserUrls()[before];
      if (url) return new URL(url);
      if (login.child.exitCode !== null) throw new Error(`claude mcp login exited (${login.child.exitCode}) before opening a browser:\n${login.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`claude mcp login opened no browser within ${STEP_TIMEOUT} ms:\n${login.output()}`);
  };

  return {
    dir,
    run,
    async add(name, transport, url, oauth = {}) {
      const flags = [
        ...(oauth.clientId !== undefined ? ['--client-id', oauth.clientId] : []),
        ...(oauth.callbackPort !== undefined ? ['--callback-port', String(oauth.callbackPort)] : []),
      ];
      const result = await run(['mcp', 'add', '--transport', transport, ...flags, name, url]);
      assert.equal(result.code, 0, `claude mcp add: ${result.stdout}${result.stderr}`);
    },
    async health(name) {
      const result = await run(['mcp', 'list']);
      assert.equal(result.code, 0, `claude mcp list: ${result.stdout}${result.stderr}`);
      const line = result.stdout.split('\n').find((l) => l.startsWith(`${name}: `));
      assert.ok(line, `claude mcp list names ${name}: ${result.stdout}`);
      return line.replace(/^.* - /, '').trim();
    },
    async login(name, authorize) {
      const before = browserUrls().length;
      const login = startLogin(name);
      try {
        const authorizationUrl = await nextBrowserUrl(before, login);
        const callback = await authorize(authorizationUrl);
        // The browser arriving at Claude Code's loopback callback listener with the code.
        const response = await fetch(callback, { signal: AbortSignal.timeout(30_000) });
        await response.body?.cancel();
        assert.equal(response.status, 200, `Claude Code's callback listener answered ${response.status}: it did not take the code`);
        await login.waitFor(new RegExp(`Authenticated with "${name}"`), STEP_TIMEOUT);
        await new Promise<void>((resolve) => (login.child.exitCode !== null ? resolve() : login.child.once('exit', () => resolve())));
        assert.equal(login.child.exitCode, 0, `claude mcp login exit status:\n${login.output()}`);
        return { authorizationUrl, output: login.output() };
      } catch (error) {
        throw new Error(`claude mcp login ${name}: ${error instanceof Error ? error.message : String(error)}\n--- its terminal ---\n${login.output().slice(-4000)}`, { cause: error });
      } finally {
        await login.stop();
      }
    },
    async authorizationUrlOf(name) {
      const before = browserUrls().length;
      const login = startLogin(name);
      try {
        return await nextBrowserUrl(before, login);
      } finally {
        await login.stop();
      }
    },
    async failedLogin(name) {
      const login = startLogin(name);
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`claude mcp login ${name} did not end within ${STEP_TIMEOUT} ms:\n${login.output()}`)), STEP_TIMEOUT);
          const done = (): void => {
            clearTimeout(timer);
            resolve();
          };
          if (login.child.exitCode !== null) done();
          else login.child.once('exit', done);
        });
        assert.notEqual(login.child.exitCode, 0, `claude mcp login ${name} was expected to fail:\n${login.output()}`);
        assert.deepEqual(browserUrls(), [], 'no browser was opened');
        return login.output();
      } finally {
        await login.stop();
      }
    },
    async print(prompt, tool) {
      const result = await run(['-p', prompt, '--output-format', 'json', '--allowedTools', tool], 120_000);
      assert.equal(result.code, 0, `claude -p: ${result.stdout}${result.stderr}`);
      return JSON.parse(result.stdout) as { is_error: boolean; result: string; num_turns: number };
    },
    negotiatedVersions(name) {
      const cache = join(dir, '.cache', 'claude-cli-nodejs');
      const versions: string[] = [];
      for (const project of existsSync(cache) ? readdirSync(cache) : []) {
        const logs = join(cache, project, `mcp-logs-${name}`);
        for (const file of existsSync(logs) ? readdirSync(logs).sort() : []) {
          for (const line of readFileSync(join(logs, file), 'utf8').split('\n')) {
            const debug = line ? (JSON.parse(line) as { debug?: string }).debug : undefined;
            const match = /^Connection established with capabilities: (\{.*\})$/.exec(debug ?? '');
            if (match) versions.push(String((JSON.parse(match[1]!) as { negotiatedProtocolVersion?: unknown }).negotiatedProtocolVersion));
          }
        }
      }
      return versions;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Which era served Claude Code, in the server's words (`served`, from request-log.ts) and in Claude
 * Code's (`versions`, its negotiated protocol versions): Streamable HTTP speaks 2026-07-28 on /mcp and
 * nothing else; SSE stays on /sse + /messages (the 2025 era, 2025-11-25). The same whichever IdP signed
 * the token (test/interop and test/logto both assert it).
 */
export function assertClaudeCodeEras(transport: ClaudeTransport, served: ServedRequest[], versions: string[]): void {
  if (transport === 'http') {
    assert.ok(served.length > 0 && served.every((r) => r.path === '/mcp'), `served: ${JSON.stringify(served)}`);
    assert.deepEqual([...new Set(served.map((r) => r.era))], ['2026-07-28'], 'the 2026-07-28 era served every /mcp request');
    assert.deepEqual([...new Set(versions)], ['2026-07-28']);
  } else {
    assert.ok(served.some((r) => r.path.startsWith('/messages')), `served: ${JSON.stringify(served)}`);
    assert.ok(served.every((r) => r.path === '/sse' || r.path.startsWith('/messages')), `only the SSE endpoints (2025 era): ${JSON.stringify(served)}`);
    assert.deepEqual([...new Set(versions)], ['2025-11-25']);
  }
}
