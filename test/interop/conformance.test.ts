/**
 * The official MCP server conformance suite (`@modelcontextprotocol/conformance server`, on Node 22)
 * against our Streamable HTTP endpoint, once per era on the same /mcp: 0.1.16 `--suite all` (every
 * 2025-era scenario, pending ones included; baseline conformance/server-baseline.yml) and 0.2.x
 * `--requirements 2026-07-28` (the frozen 2026-07-28 set, stateless with per-request `_meta`;
 * baseline conformance/server-baseline-2026-07-28.yml). The
 * suite sends no Authorization header, so a test-only loopback proxy adds a dev IdP token for alice;
 * the proxy is transparent (Host and Origin name the proxy's port, untouched), so
 * dns-rebinding-protection tests the server's own guard, which compares host names, not ports.
 * Expected failures (features a whoami-only server does not offer) are in
 * conformance/server-baseline.yml, each with its reason. The suite's exit code decides: an
 * unexpected failure or a stale baseline entry fails this test. Reports: artifacts/conformance-server/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBearerProxy, type BearerProxy } from './helpers/bearer-proxy.js';
import { registerConformanceProbes } from './helpers/conformance-probes.js';
import { devToken, startOurServer, type RunningServer } from './helpers/our-server.js';
import { runCommand } from './helpers/processes.js';
import { ARTIFACTS, interopTools, ROOT } from './helpers/tools.js';

const RUNS = [
  {
    era: '2025 (0.1.16, --suite all)',
    out: join(ARTIFACTS, 'conformance-server'),
    tool: 'conformance',
    args: ['--suite', 'all'],
    baseline: 'conformance/server-baseline.yml',
    mustPass: ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection'],
  },
  {
    era: '2026-07-28 (0.2.x, --requirements 2026-07-28)',
    out: join(ARTIFACTS, 'conformance-server-2026-07-28'),
    tool: 'conformance02',
    args: ['--requirements', '2026-07-28'],
    baseline: 'conformance/server-baseline-2026-07-28.yml',
    mustPass: ['server-stateless', 'http-header-validation', 'caching', 'tools-list', 'dns-rebinding-protection'],
  },
] as const;

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

/** Latest checks.json per scenario from the suite's output directory. */
function readResults(dir: string): Map<string, Check[]> {
  const results = new Map<string, Check[]>();
  for (const entry of readdirSync(dir).sort()) {
    const match = /^server-(.+)-\d{4}-\d{2}-\d{2}T/.exec(entry);
    if (!match?.[1]) continue;
    results.set(match[1], JSON.parse(readFileSync(join(dir, entry, 'checks.json'), 'utf8')) as Check[]);
  }
  return results;
}

describe('MCP server conformance suite', () => {
  let server: RunningServer;
  let proxy: BearerProxy;
  before(async () => {
    // The 2026 suite's server-stateless scenario needs its diagnostic tools (see conformance-probes.ts).
    server = await startOurServer({}, undefined, { extendServer2026_07_28: registerConformanceProbes });
    const token = await devToken(server);
    proxy = await startBearerProxy(server.url, () => token);
  });
  after(async () => {
    await proxy?.close();
    await server?.close();
  });

  for (const run of RUNS) {
    it(`${run.era}: every scenario passes, or fails as the baseline expects`, async () => {
      rmSync(run.out, { recursive: true, force: true });
      mkdirSync(run.out, { recursive: true });
      const tools = interopTools();
      const before = proxy.count();
      const result = await runCommand(
        tools.node22,
        [tools[run.tool], 'server', '--url', `${proxy.origin}${new URL(server.mcpUrl).pathname}`, ...run.args,
          '--expected-failures', join(ROOT, run.baseline), '-o', run.out],
        { cwd: ROOT, env: { PATH: process.env['PATH'], HOME: process.env['HOME'], NO_COLOR: '1' }, timeoutMs: 300_000 },
      );
      writeFileSync(join(run.out, 'suite-output.txt'), `${result.stdout}\n--- stderr ---\n${result.stderr}`);
      const summary = result.stdout.slice(result.stdout.indexOf('=== SUMMARY ==='));
      const results = readResults(run.out);
      for (const scenario of run.mustPass) {
        const checks = results.get(scenario);
        assert.ok(checks?.length, `${scenario} ran\n${summary}`);
        const failed = checks.filter((c) => c.status === 'FAILURE');
        assert.deepEqual(failed, [], `${scenario} must pass`);
      }
      assert.ok(proxy.count() > before, 'the suite went through the bearer proxy');
      assert.equal(result.code, 0, `conformance suite exit ${result.code}:\n${summary}\n${result.stderr.slice(-2000)}`);
    });
  }
});
