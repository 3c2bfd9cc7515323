/**
 * The official MCP server conformance suite (`@modelcontextprotocol/conformance server`, on Node 22)
 * against our Streamable HTTP endpoint, every scenario (`--suite all`, pending ones included). The
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
import { devToken, startOurServer, type RunningServer } from './helpers/our-server.js';
import { runCommand } from './helpers/processes.js';
import { ARTIFACTS, interopTools, ROOT } from './helpers/tools.js';

const MUST_PASS = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection'];
const OUT = join(ARTIFACTS, 'conformance-server');

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
    server = await startOurServer();
    const token = await devToken(server);
    proxy = await startBearerProxy(server.url, () => token);
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
  });
  after(async () => {
    await proxy?.close();
    await server?.close();
  });

  it('every scenario: passes, or fails as the baseline expects', async () => {
    const tools = interopTools();
    const run = await runCommand(
      tools.node22,
      [tools.conformance, 'server', '--url', `${proxy.origin}${new URL(server.mcpUrl).pathname}`, '--suite', 'all',
        '--expected-failures', join(ROOT, 'conformance/server-baseline.yml'), '-o', OUT],
      { cwd: ROOT, env: { PATH: process.env['PATH'], HOME: process.env['HOME'], NO_COLOR: '1' }, timeoutMs: 300_000 },
    );
    writeFileSync(join(OUT, 'suite-output.txt'), `${run.stdout}\n--- stderr ---\n${run.stderr}`);
    const summary = run.stdout.slice(run.stdout.indexOf('=== SUMMARY ==='));
    const results = readResults(OUT);
    for (const scenario of MUST_PASS) {
      const checks = results.get(scenario);
      assert.ok(checks?.length, `${scenario} ran\n${summary}`);
      const failed = checks.filter((c) => c.status === 'FAILURE');
      assert.deepEqual(failed, [], `${scenario} must pass`);
    }
    assert.ok(proxy.count() > 0, 'the suite went through the bearer proxy');
    assert.equal(run.code, 0, `conformance suite exit ${run.code}:\n${summary}\n${run.stderr.slice(-2000)}`);
  });
});
