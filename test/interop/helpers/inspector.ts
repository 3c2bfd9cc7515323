import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, spawnGroup, type GroupChild, type RunResult } from './processes.js';
import { interopTools } from './tools.js';

/**
 * Environment for an isolated MCP Inspector run: a throw-away HOME (catalog, OAuth state), secrets
 * in memory only, never a browser opened by the Inspector itself.
 */
export function inspectorEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: home,
    MCP_STORAGE_DIR: join(home, 'storage'),
    MCP_INSPECTOR_SECRET_STORE: 'memory',
    MCP_AUTO_OPEN_ENABLED: 'false',
    NO_COLOR: '1',
    ...extra,
  };
  return env;
}

export function tempHome(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `mcp-inspector --cli …args` on Node 22 (never blocks this process's event loop). */
export function inspectorCli(args: readonly string[], home: string, timeoutMs = 60_000): Promise<RunResult> {
  const tools = interopTools();
  return runCommand(tools.node22, [tools.inspector, '--cli', ...args], { env: inspectorEnv(home), timeoutMs });
}

export interface InspectorWeb {
  /** e.g. http://localhost:6274 */
  readonly origin: string;
  readonly token: string;
  /** The link Inspector prints at start ("MCP Inspector Web is up and running at: …"), token included. */
  readonly link: string;
  readonly process: GroupChild;
  stop(): Promise<void>;
}

/** The web UI's port: fixed, because the dev IdP's pre-registered redirect URI names it. */
export const INSPECTOR_WEB_PORT = 6274;

/**
 * Starts the Inspector web UI headless (no auto-open) on `port` (default 6274) with a known API token,
 * the MCP Apps sandbox and app-origin servers on OS-assigned ports. Bound to `localhost` unless
 * `host: 'default'`: then Inspector's own default (127.0.0.1, and the link it prints says so), as
 * `npx @modelcontextprotocol/inspector` runs for a newcomer.
 */
export async function startInspectorWeb(home: string, token: string, port: number = INSPECTOR_WEB_PORT, host: 'localhost' | 'default' = 'localhost'): Promise<InspectorWeb> {
  const tools = interopTools();
  const child = spawnGroup(tools.node22, [tools.inspector, '--web'], {
    env: inspectorEnv(home, {
      ...(host === 'localhost' ? { HOST: 'localhost' } : {}),
      CLIENT_PORT: String(port),
      MCP_SANDBOX_PORT: '0',
      MCP_APP_ORIGIN_PORT: '0',
      MCP_INSPECTOR_API_TOKEN: token,
      MCP_LOG_FILE: join(home, 'inspector-web.log'),
    }),
    cwd: home,
  });
  let link: string;
  try {
    link = (await child.waitFor(/MCP Inspector Web is up and running at:\s+(\S+)/, 60_000))[1]!;
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { origin: new URL(link).origin, token, link, process: child, stop: () => child.stop() };
}
