/**
 * OpenAI's Codex CLI (`@openai/codex`, pinned in test/interop/tools), run through its npm launcher on
 * Node 22 with a throw-away CODEX_HOME: `codex mcp add|login|logout` as a user types them, and
 * `codex app-server` (JSON-RPC over stdio) for what a user does in a thread — list the MCP servers'
 * status and call a tool — without a model.
 *
 * Nothing leaves loopback: the config.toml written here ({@link CODEX_CONFIG}) turns off what phones
 * home (update checks, analytics, feedback, OpenTelemetry/Statsig metrics, plugin sync and remote
 * plugins, ChatGPT apps, in-app updates, model discovery) and replaces the model provider with one on
 * a closed loopback port, so even the Responses connection `thread/start` prepares cannot resolve
 * api.openai.com. `app-server` runs with `--strict-config`: a misspelt key fails instead of being
 * ignored. PATH holds only Node 22's folder, so no browser can be launched: the authorization URL is
 * read from codex's output, `authorize(url)` plays the user at the browser, and the redirect it
 * returns is delivered to codex's own callback listener, which must answer 200.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { runCommand, spawnGroup, type RunResult } from './processes.js';
import { interopTools, ROOT } from './tools.js';

/** The launcher `npm i -g @openai/codex` puts on PATH (it starts the platform binary). */
const CODEX_LAUNCHER = join(ROOT, '.cache/interop-tools/node_modules/@openai/codex/bin/codex.js');
const SIGN_IN_TIMEOUT_MS = 60_000;
/** The line codex prints when it cannot open a browser (and always with `mcp login`), then the URL. */
const AUTHORIZE_LINE = /Authorize `[^`]+` by opening this URL in your browser:\s*\n(\S+)/;

/**
 * config.toml of every test CODEX_HOME: the loopback-only settings (docs/clients.md shows the same
 * block), and the fixed port of codex's OAuth callback listener (its redirect URI is
 * `http://127.0.0.1:<port>/callback`; a pre-registered app must list exactly that).
 */
export function codexConfig(callbackPort: number): string {
  return `# Codex for the interop tests: nothing may leave loopback.
model_provider = "loopback"
model = "no-model"
check_for_update_on_startup = false
mcp_oauth_callback_port = ${callbackPort}
mcp_oauth_credentials_store = "file"
cli_auth_credentials_store = "file"

[analytics]
enabled = false

[feedback]
enabled = false

[otel]
exporter = "none"
trace_exporter = "none"
metrics_exporter = "none"

[features]
plugins = false
remote_plugin = false
plugin_sharing = false
apps = false
in_app_updates = false
tool_suggest = false
api_key_model_discovery = false

# No model is ever asked; a provider on a closed loopback port keeps codex from resolving api.openai.com.
[model_providers.loopback]
name = "loopback (never called)"
base_url = "http://127.0.0.1:9/v1"
wire_api = "responses"
supports_websockets = false
requires_openai_auth = false
request_max_retries = 0
stream_max_retries = 0
`;
}

/** The redirect URI codex sends with `mcp_oauth_callback_port = port` (what a Logto app must register). */
export function codexRedirectUri(callbackPort: number): string {
  return `http://127.0.0.1:${callbackPort}/callback`;
}

export interface SignIn {
  /** The authorization URL codex asked the user to open. */
  authorizationUrl: URL;
  /** codex's stdout + stderr. */
  output: string;
}

export interface McpServerStatus {
  name: string;
  authStatus: string;
  tools: Record<string, { name: string }>;
  serverInfo?: { name: string; version: string } | null;
}

export interface ToolCallResult {
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean | null;
}

export class CodexHome {
  private constructor(
    readonly dir: string,
    readonly callbackPort: number,
  ) {}

  /** A fresh CODEX_HOME with {@link codexConfig}; `close()` removes it. */
  static async create(callbackPort: number): Promise<CodexHome> {
    const dir = await mkdtemp(join(tmpdir(), 'codex-home-'));
    await writeFile(join(dir, 'config.toml'), codexConfig(callbackPort), { mode: 0o600 });
    return new CodexHome(dir, callbackPort);
  }

  get redirectUri(): string {
    return codexRedirectUri(this.callbackPort);
  }

  private env(extra: Record<string, string> = {}): Record<string, string> {
    const { node22 } = interopTools();
    return { HOME: this.dir, CODEX_HOME: this.dir, PATH: dirname(node22), NO_COLOR: '1', ...extra };
  }

  /** `codex <args>` to completion (no sign-in expected). */
  run(args: readonly string[]): Promise<RunResult> {
    return runCommand(interopTools().node22, [CODEX_LAUNCHER, ...args], { cwd: this.dir, env: this.env(), timeoutMs: 60_000 });
  }

  /**
   * `codex <args>` for a command that signs in (`mcp add --url …`, `mcp login …`): waits for the
   * authorization URL, has `authorize` sign in, delivers the redirect to codex's callback listener
   * (which must answer 200) and waits for codex to exit 0 with "Successfully logged in".
   */
  async signIn(args: readonly string[], authorize: (url: URL) => Promise<URL>): Promise<SignIn> {
    const child = spawnGroup(interopTools().node22, [CODEX_LAUNCHER, ...args], { cwd: this.dir, env: this.env() });
    try {
      const match = await child.waitFor(AUTHORIZE_LINE, SIGN_IN_TIMEOUT_MS);
      const authorizationUrl = new URL(match[1]!);
      const callback = await authorize(authorizationUrl);
      const response = await fetch(callback, { signal: AbortSignal.timeout(15_000) });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`codex's callback listener answered ${response.status} (${body}): it did not take the code`);
      await child.waitFor(/Successfully logged in/, SIGN_IN_TIMEOUT_MS);
      await new Promise<void>((resolve) => (child.child.exitCode !== null ? resolve() : child.child.once('exit', () => resolve())));
      if (child.child.exitCode !== 0) throw new Error(`codex exited ${child.child.exitCode}`);
      return { authorizationUrl, output: child.output() };
    } catch (error) {
      throw new Error(`codex ${args.join(' ')}: ${error instanceof Error ? error.message : String(error)}\n--- codex output ---\n${child.output().slice(-4000)}`);
    } finally {
      await child.stop();
    }
  }

  /** The config.toml as codex left it (`mcp add` writes the server's table into it). */
  config(): Promise<string> {
    return readFile(join(this.dir, 'config.toml'), 'utf8');
  }

  /** `codex app-server` over stdio, initialized. */
  async appServer(): Promise<AppServer> {
    // rmcp's "Service initialized as client" line names the protocol version the MCP server answered.
    const child = spawn(interopTools().node22, [CODEX_LAUNCHER, 'app-server', '--strict-config'], {
      cwd: this.dir,
      env: this.env({ RUST_LOG: 'warn,rmcp::service=info' }),
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const server = new AppServer(child);
    await server.request('initialize', { clientInfo: { name: 'logto-whoami-mcp-interop', version: '1.0.0' } });
    server.notify('initialized');
    return server;
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A JSON-RPC client of `codex app-server` (one JSON object per line, no `jsonrpc` field). */
export class AppServer {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private stderr = '';
  private readonly exited: Promise<void>;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 1 << 20) this.stderr += chunk.toString('utf8');
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let message: { id?: number; result?: unknown; error?: { message?: string } };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        return;
      }
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter) return; // a notification (or a server request this test never gets)
      this.pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(`app-server: ${JSON.stringify(message.error)}`));
      else waiter.resolve(message.result);
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        for (const waiter of this.pending.values()) waiter.reject(new Error(`app-server exited (${code ?? signal}):\n${this.stderr.slice(-4000)}`));
        this.pending.clear();
        resolve();
      }),
    );
  }

  request<T>(method: string, params?: unknown, timeoutMs = 60_000): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`app-server: no answer to ${method} within ${timeoutMs} ms\n${this.stderr.slice(-4000)}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value as T)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.child.stdin.write(`${JSON.stringify({ id, method, ...(params === undefined ? {} : { params }) })}\n`);
    });
  }

  notify(method: string, params?: unknown): void {
    this.child.stdin.write(`${JSON.stringify({ method, ...(params === undefined ? {} : { params }) })}\n`);
  }

  /** `mcpServerStatus/list` (tools and sign-in state, no resources) for one server. */
  async status(name: string): Promise<McpServerStatus> {
    const { data } = await this.request<{ data: McpServerStatus[] }>('mcpServerStatus/list', { detail: 'toolsAndAuthOnly', serverName: name });
    const entry = data.find((s) => s.name === name);
    if (!entry) throw new Error(`mcpServerStatus/list has no ${name}: ${JSON.stringify(data)}`);
    return entry;
  }

  /** `thread/start` (ephemeral, no model asked), then `mcpServer/tool/call` in that thread. */
  async callTool(server: string, tool: string, args: Record<string, unknown> = {}): Promise<ToolCallResult> {
    const { thread } = await this.request<{ thread: { id: string } }>('thread/start', { ephemeral: true });
    return this.request<ToolCallResult>('mcpServer/tool/call', { server, threadId: thread.id, tool, arguments: args });
  }

  /** The MCP protocol versions codex's MCP client logged as negotiated (one per connection). */
  negotiatedVersions(): string[] {
    return [...this.stderr.matchAll(/protocol_version: ProtocolVersion\("([^"]+)"\)/g)].map((m) => m[1]!);
  }

  log(): string {
    return this.stderr;
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    const timer = setTimeout(() => {
      try {
        process.kill(-this.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    try {
      process.kill(-this.child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await this.exited;
    clearTimeout(timer);
  }
}
