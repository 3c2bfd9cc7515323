import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface InteropTools {
  /** Node 22 binary (the tools need >= 22.19), whatever Node runs the project (22 or 24). */
  node22: string;
  /** MCP Inspector launcher entry (`--web` / `--cli`). */
  inspector: string;
  /** `@modelcontextprotocol/conformance` CLI entry (0.1.16: the 2025 eras). */
  conformance: string;
  /** The 0.2.x line of the same suite (installed as `conformance-02`): `--requirements 2026-07-28`. */
  conformance02: string;
  /** mcp-remote's stdio proxy entry (`mcp-remote <url> [callback-port] …`). */
  mcpRemote: string;
}

let cached: InteropTools | undefined;

/**
 * Paths of the third-party tools, installing them first if needed (scripts/interop-tools.sh is
 * idempotent and takes well under a second when the pinned versions are already in .cache/).
 */
export function interopTools(): InteropTools {
  if (cached) return cached;
  const run = (script: string): string =>
    execFileSync(join(ROOT, 'scripts', script), { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 })
      .trim()
      .split('\n')
      .at(-1)!;
  const node22 = run('node22.sh');
  const dir = run('interop-tools.sh');
  const inspector = join(dir, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js');
  const conformance = join(dir, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
  const conformance02 = join(dir, 'node_modules/conformance-02/dist/index.js');
  const mcpRemote = join(dir, 'node_modules/mcp-remote/dist/proxy.js');
  for (const path of [node22, inspector, conformance, conformance02, mcpRemote]) {
    if (!existsSync(path)) throw new Error(`interop tool missing after install: ${path}`);
  }
  cached = { node22, inspector, conformance, conformance02, mcpRemote };
  return cached;
}

/** Where screenshots and tool reports go (gitignored). */
export const ARTIFACTS = join(ROOT, 'artifacts');
