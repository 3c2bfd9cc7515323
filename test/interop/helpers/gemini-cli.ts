/**
 * Gemini CLI (`@google/gemini-cli`, pinned in test/interop/tools) driven the way a person uses it, with
 * nothing leaving loopback:
 *
 * - an isolated home (GEMINI_CLI_HOME = HOME = a temp dir) whose settings.json switches off what phones
 *   home — update checks and auto-update, usage statistics, telemetry, IDE integration — and selects the
 *   API-key auth type, so the model API is `GOOGLE_GEMINI_BASE_URL` (a loopback stand-in) and no Google
 *   sign-in or Code Assist call happens;
 * - `gemini mcp add --scope user --transport http|sse --trust NAME URL` (and, for a pre-registered
 *   client, the server entry's `oauth: { clientId, redirectUri }`, which `mcp add` has no flag for);
 * - `/mcp auth NAME`, which exists only in the terminal UI: run in tmux (send-keys, capture-pane). The
 *   CLI opens the authorization URL with `xdg-open URL` (packages/core secure-browser-launcher); a stub
 *   `xdg-open` first on PATH hands the URL to the test, which signs in headlessly and delivers the
 *   redirect to the CLI's own callback server (`http://localhost:PORT/oauth/callback`; PORT is random,
 *   or the one in `oauth.redirectUri`);
 * - the tool call in non-interactive mode, `gemini -p`, with a pinned model (no routing classifier).
 *
 * The CLI does its own discovery (RFC 9728 metadata from the endpoint's 401, then the issuer's
 * metadata), registration (RFC 7591, when no client id is configured), PKCE and token exchange, and
 * keeps the tokens in `~/.gemini/mcp-oauth-tokens.json` of its home.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { runCommand, type RunResult } from './processes.js';
import type { ServedRequest } from './request-log.js';
import { interopTools, ROOT } from './tools.js';

const execFileAsync = promisify(execFile);

/** The model every `gemini -p` asks for: a fixed one, so the CLI does not call a routing classifier first. */
export const GEMINI_MODEL = 'gemini-2.5-flash';
const STEP_TIMEOUT = 60_000;
const PROMPT_TIMEOUT = 120_000;

/**
 * settings.json of the isolated home. Every key is documented in the CLI's docs/reference/configuration.md;
 * these are the ones that would otherwise reach the network (or a prompt) on their own.
 */
export const GEMINI_SETTINGS = {
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  ide: { enabled: false, hasSeenNudge: true },
  security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
  model: { name: GEMINI_MODEL },
  // The banner stays: its "Authenticated with gemini-api-key" line is drawn once the CLI's config is
  // initialized, and a slash command typed before that is queued as a prompt for the model instead.
  ui: { hideTips: true },
} as const;

export interface PreRegisteredOAuth {
  clientId: string;
  /** Fixes the callback port (the App is registered with this exact URI). */
  redirectUri: string;
}

export interface SignIn {
  /** The authorization URL the CLI opened. */
  authorizationUrl: URL;
  /** The terminal UI's text after sign-in. */
  screen: string;
}

/** The bundled CLI entry (`gemini` bin), installing the pinned interop tools first if needed. */
export function geminiEntry(): { node22: string; entry: string } {
  const { node22 } = interopTools();
  const entry = join(ROOT, '.cache/interop-tools/node_modules/@google/gemini-cli/bundle/gemini.js');
  if (!existsSync(entry)) throw new Error(`Gemini CLI missing after install: ${entry}`);
  return { node22, entry };
}

export class GeminiCli {
  readonly home: string;
  readonly #work: string;
  readonly #bin: string;
  readonly #opened: string;
  readonly #node22: string;
  readonly #entry: string;
  readonly #env: Record<string, string>;
  readonly #socket: string;

  /** `modelBaseUrl`: the loopback stand-in for the Gemini API. */
  constructor(modelBaseUrl: string) {
    const { node22, entry } = geminiEntry();
    this.#node22 = node22;
    this.#entry = entry;
    this.home = mkdtempSync(join(tmpdir(), 'interop-gemini-'));
    this.#work = join(this.home, 'work');
    this.#bin = join(this.home, 'bin');
    this.#opened = join(this.home, 'opened-urls.txt');
    // tmux's own socket in the temp home: kill-server leaves the socket file behind (tmux 3.3a), and
    // remove() takes it with the home instead of it piling up in /tmp/tmux-UID.
    this.#socket = join(this.home, 'tmux.sock');
    mkdirSync(join(this.home, '.gemini'), { recursive: true });
    mkdirSync(this.#work);
    mkdirSync(this.#bin);
    writeFileSync(join(this.home, '.gemini', 'settings.json'), JSON.stringify(GEMINI_SETTINGS, null, 2));
    // The "browser": records the URL the CLI asks it to open, nothing else.
    const xdgOpen = join(this.#bin, 'xdg-open');
    writeFileSync(xdgOpen, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${this.#opened}'\n`);
    chmodSync(xdgOpen, 0o755);
    writeFileSync(join(this.home, 'tmux.conf'), 'set -g remain-on-exit on\nset -g history-limit 5000\n');
    // Only what the CLI needs; nothing inherited (no proxies, no real API keys, no CI variables).
    this.#env = {
      HOME: this.home,
      GEMINI_CLI_HOME: this.home,
      PATH: [this.#bin, dirname(node22), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
      LANG: 'C.UTF-8',
      NO_COLOR: '1',
      GEMINI_API_KEY: 'stand-in-key',
      GOOGLE_GEMINI_BASE_URL: modelBaseUrl,
    };
  }

  /** `gemini ARGS…` to completion, in the isolated home. */
  run(args: readonly string[], timeoutMs = STEP_TIMEOUT): Promise<RunResult> {
    return runCommand(this.#node22, [this.#entry, ...args], { cwd: this.#work, env: this.#env, timeoutMs });
  }

  /** `gemini mcp add` in user scope, trusted (a `-p` run declares only tools that need no confirmation). */
  async addServer(name: string, transport: 'http' | 'sse', url: string, oauth?: PreRegisteredOAuth): Promise<void> {
    const added = await this.run(['mcp', 'add', '--scope', 'user', '--transport', transport, '--trust', name, url]);
    if (added.code !== 0) throw new Error(`gemini mcp add failed (${added.code}): ${added.stdout}${added.stderr}`);
    if (!oauth) return;
    const path = join(this.home, '.gemini', 'settings.json');
    const settings = JSON.parse(readFileSync(path, 'utf8')) as { mcpServers: Record<string, Record<string, unknown>> };
    const entry = settings.mcpServers[name];
    if (!entry) throw new Error(`gemini mcp add wrote no entry for ${name}: ${JSON.stringify(settings)}`);
    entry['oauth'] = { clientId: oauth.clientId, redirectUri: oauth.redirectUri };
    writeFileSync(path, JSON.stringify(settings, null, 2));
  }

  /** The settings file as the CLI left it (for assertions and docs). */
  settings(): Record<string, unknown> {
    return JSON.parse(readFileSync(join(this.home, '.gemini', 'settings.json'), 'utf8')) as Record<string, unknown>;
  }

  /**
   * `/mcp auth NAME` in the terminal UI (tmux): confirm the CLI's "Opening authentication page" dialog,
   * take the URL it opens, let `authorize` sign in and return the redirect it lands on, deliver that to
   * the CLI's callback server, wait for the UI to report success, `/quit`.
   */
  async signIn(name: string, authorize: (authorizationUrl: URL) => Promise<URL>): Promise<SignIn> {
    rmSync(this.#opened, { force: true });
    const command = [this.#node22, this.#entry].map(shellQuote).join(' ');
    await this.#tmux('-f', join(this.home, 'tmux.conf'), 'new-session', '-d', '-s', 'gemini', '-x', '200', '-y', '60', '-c', this.#work, command);
    try {
      await this.#waitForScreen(/Authenticated with gemini-api-key/, 'the initialized UI');
      await this.#waitForScreen(/Type your message/, 'the prompt');
      // Slash commands load after that, asynchronously; until then a typed command goes to the model as
      // a prompt. The completion menu of `/mcp ` lists `auth` once they are loaded.
      await this.#tmux('send-keys', '-t', 'gemini', '-l', '/mcp ');
      await this.#waitForScreen(/Authenticate with an OAuth-enabled MCP server/, 'the /mcp subcommands');
      await this.#tmux('send-keys', '-t', 'gemini', '-l', `auth ${name}`);
      // Enter accepts the highlighted completion. The menu is computed asynchronously: pressed while it
      // still lists the subcommands of `/mcp ` (seen on a loaded machine), Enter inserts `list` and runs
      // `/mcp listauth NAME`. So: the typed line, no subcommand menu, and the screen still for a moment.
      const typed = `> /mcp auth ${name}`;
      await this.#waitForScreen((screen) => screen.includes(typed) && !screen.includes('List configured MCP servers and tools'), 'the typed command', { settled: true });
      await this.#tmux('send-keys', '-t', 'gemini', 'Enter');
      await this.#waitForScreen(/Do you want to continue\?/, 'the consent dialog');
      await this.#tmux('send-keys', '-t', 'gemini', 'Enter'); // "1. Yes" is selected
      const authorizationUrl = await this.#waitForOpenedUrl();
      const callback = await authorize(authorizationUrl);
      const delivered = await fetch(callback, { signal: AbortSignal.timeout(10_000) });
      const page = await delivered.text();
      if (!delivered.ok) throw new Error(`the CLI's callback answered ${delivered.status}: ${page.slice(0, 300)}`);
      const screen = await this.#waitForScreen(new RegExp(`Successfully authenticated and reloaded tools for '${name}'`), 'sign-in success');
      await this.#tmux('send-keys', '-t', 'gemini', '-l', '/quit');
      await this.#tmux('send-keys', '-t', 'gemini', 'Enter');
      await this.#waitForPaneDead(15_000).catch(() => undefined);
      return { authorizationUrl, screen };
    } finally {
      await this.#stopTmux();
    }
  }

  /** `gemini -p PROMPT` (non-interactive) with the pinned model. */
  prompt(text: string): Promise<RunResult> {
    return this.run(['--model', GEMINI_MODEL, '--prompt', text], PROMPT_TIMEOUT);
  }

  /** The OAuth tokens the CLI stored, by server name (for assertions only; never printed). */
  storedTokens(): Array<{ serverName: string; clientId?: string; mcpServerUrl?: string; token: { accessToken: string; refreshToken?: string } }> {
    const path = join(this.home, '.gemini', 'mcp-oauth-tokens.json');
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ReturnType<GeminiCli['storedTokens']>) : [];
  }

  remove(): void {
    rmSync(this.home, { recursive: true, force: true });
  }

  async #tmux(...args: string[]): Promise<string> {
    const { stdout } = await execFileAsync('tmux', ['-S', this.#socket, ...args], { env: this.#env, timeout: 10_000 });
    return stdout;
  }

  async #screen(): Promise<string> {
    // -J joins wrapped lines (the authorization URL spans several), -S - includes the scrollback.
    return this.#tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'gemini');
  }

  /**
   * Polls the screen until `expected` holds (with `settled`, on two identical captures 400 ms apart);
   * throws at once when the UI reports a failed sign-in or the CLI exited.
   */
  async #waitForScreen(expected: RegExp | ((screen: string) => boolean), what: string, { timeoutMs = STEP_TIMEOUT, settled = false } = {}): Promise<string> {
    const holds = typeof expected === 'function' ? expected : (screen: string) => expected.test(screen);
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    let previous: string | undefined;
    while (Date.now() < deadline) {
      screen = await this.#screen();
      if (holds(screen)) {
        if (!settled || screen === previous) return screen;
        previous = screen;
        await sleep(400);
        continue;
      }
      previous = undefined;
      const failed = /✕ (Failed to authenticate[^\n]*)/.exec(screen);
      if (failed) throw new Error(`Gemini CLI: ${failed[1]!.trim()}`);
      if (await this.#paneDead()) break;
      await sleep(250);
    }
    throw new Error(`Gemini CLI: no ${what} within ${timeoutMs} ms; screen:\n${tidy(screen)}`);
  }

  async #waitForOpenedUrl(): Promise<URL> {
    const deadline = Date.now() + STEP_TIMEOUT;
    while (Date.now() < deadline) {
      if (existsSync(this.#opened)) {
        const line = readFileSync(this.#opened, 'utf8').trim().split('\n')[0];
        if (line) return new URL(line);
      }
      const failed = /✕ (Failed to authenticate[^\n]*)/.exec(await this.#screen());
      if (failed) throw new Error(`Gemini CLI: ${failed[1]!.trim()}`);
      await sleep(250);
    }
    throw new Error(`Gemini CLI opened no authorization URL; screen:\n${tidy(await this.#screen())}`);
  }

  async #paneDead(): Promise<boolean> {
    return (await this.#tmux('display-message', '-p', '-t', 'gemini', '#{pane_dead}')).trim() === '1';
  }

  async #waitForPaneDead(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await this.#paneDead()) return;
      await sleep(250);
    }
    throw new Error('Gemini CLI did not exit after /quit');
  }

  /** Ends the CLI (its whole process group) if it still runs, then the tmux server of this instance. */
  async #stopTmux(): Promise<void> {
    try {
      const pid = Number((await this.#tmux('display-message', '-p', '-t', 'gemini', '#{pane_pid}')).trim());
      if (pid > 0 && !(await this.#paneDead())) process.kill(-pid, 'SIGKILL');
    } catch {
      // no session (start failed) or already gone
    }
    await this.#tmux('kill-server').catch(() => undefined);
  }
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The screen without the UI's box-drawing rules and empty lines, for error messages. */
function tidy(screen: string): string {
  return screen
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l && !/^[▀▄─]+$/.test(l.trim()))
    .join('\n');
}

/** The JSON the whoami tool returned, from the functionResponse the CLI sent the model (`{ output: "<untrusted_context>…" }`). */
export function whoamiFromFunctionResponse(response: unknown): Record<string, unknown> {
  const output = (response as { output?: unknown } | null)?.output;
  if (typeof output !== 'string') throw new Error(`functionResponse without text output: ${JSON.stringify(response)}`);
  const json = output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1);
  return JSON.parse(json) as Record<string, unknown>;
}

/**
 * Which era served Gemini CLI, in the server's words (`served`, from request-log.ts): the 2025 era
 * on /mcp and nothing else for Streamable HTTP; /sse + /messages and never the 2026-07-28 era for
 * SSE (the 2024-11-05 HTTP+SSE transport has one era, and its log lines name none). The
 * same whichever IdP signed the token (test/interop and test/logto both assert it).
 */
export function assertGeminiEras(transport: 'http' | 'sse', served: ServedRequest[]): void {
  const paths = [...new Set(served.map((r) => r.path))].sort();
  if (transport === 'http') {
    assert.deepEqual(paths, ['/mcp'], JSON.stringify(served));
    assert.deepEqual([...new Set(served.map((r) => r.era))], ['2025'], `eras that served /mcp: ${JSON.stringify(served)}`);
  } else {
    assert.deepEqual(paths, ['/messages', '/sse'], JSON.stringify(served));
    assert.ok(!served.some((r) => r.era === '2026-07-28'), JSON.stringify(served));
  }
}
