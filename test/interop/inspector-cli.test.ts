/**
 * MCP Inspector 2.x CLI (on Node 22) against our server, both transports, with a bearer token from
 * the dev IdP's command-line token helper (src/dev-idp/token-cli.ts), as a shell script or CI job
 * would use it. Also: without a token, the CLI recognises the 401 as "authorization required".
 * Over Streamable HTTP, every protocol era the CLI offers: `legacy` (its default: initialize, 2025),
 * `modern` (2026-07-28 pinned) and `auto` (server/discover first; our server offers 2026-07-28, so
 * auto must pick it). The era that served each request comes from the server's request log.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertIdentity } from './helpers/identity.js';
import { inspectorCli, tempHome } from './helpers/inspector.js';
import { ALICE, startOurServer, whoamiClaims, type RunningServer } from './helpers/our-server.js';
import { runCommand } from './helpers/processes.js';
import { ROOT } from './helpers/tools.js';
import { LogCapture } from '../support/harness.js';

describe('MCP Inspector CLI', () => {
  let server: RunningServer;
  let token: string;
  const home = tempHome('inspector-cli-');
  const logs = new LogCapture();

  before(async () => {
    server = await startOurServer({ LOG_LEVEL: 'info' }, logs);
    const cli = await runCommand(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/dev-idp/token-cli.ts'), '--user', 'alice', '--issuer', server.issuer,
        '--resource', server.resources.mcp, '--scope', 'openid profile email whoami:read'],
      { cwd: ROOT, env: { ...process.env }, timeoutMs: 30_000 },
    );
    assert.equal(cli.code, 0, `token-cli failed: ${cli.stderr}`);
    token = cli.stdout.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT access token');
  });
  after(async () => {
    await server?.close();
    home.remove();
  });

  for (const era of ['modern', 'auto', 'legacy'] as const) {
    it(`--transport http --protocol-era ${era} --header "Authorization: Bearer …" tools/call whoami: served by the ${era === 'legacy' ? '2025' : '2026-07-28'} era`, async () => {
      const from = logs.chunks.length;
      const result = await inspectorCli(
        ['--server-url', server.mcpUrl, '--transport', 'http', '--protocol-era', era, '--header', `Authorization: Bearer ${token}`,
          '--method', 'tools/call', '--tool-name', 'whoami', '--format', 'json'],
        home.dir,
      );
      assert.equal(result.code, 0, `inspector exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
      const output = JSON.parse(result.stdout) as { result?: unknown };
      assertIdentity(whoamiClaims(output.result), ALICE);
      const eras = logs.mcpErasSince(from);
      assert.ok(eras.length > 0, 'requests were logged');
      // Inspector's `legacy` is the 2025 era; `modern`, and `auto` against our server, 2026-07-28.
      const expected = era === 'legacy' ? '2025' : '2026-07-28';
      // Only the session's closing DELETE of the 2025 era is body-less; everything else is one era.
      assert.deepEqual([...new Set(eras)], [expected], `eras served: ${eras.join(', ')}`);
    });
  }

  for (const transport of ['http', 'sse'] as const) {
    it(`--transport ${transport} --header "Authorization: Bearer …" tools/call whoami --format json`, async () => {
      const url = transport === 'http' ? server.mcpUrl : server.sseUrl;
      const result = await inspectorCli(
        ['--server-url', url, '--transport', transport, '--header', `Authorization: Bearer ${token}`,
          '--method', 'tools/call', '--tool-name', 'whoami', '--format', 'json'],
        home.dir,
      );
      assert.equal(result.code, 0, `inspector exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
      const output = JSON.parse(result.stdout) as { result?: unknown };
      assert.ok(output.result, `JSON has a result: ${result.stdout}`);
      assertIdentity(whoamiClaims(output.result), ALICE);
    });

    it(`--transport ${transport} without a token: fails as auth_required, not as an outage`, async () => {
      const url = transport === 'http' ? server.mcpUrl : server.sseUrl;
      const result = await inspectorCli(
        ['--server-url', url, '--transport', transport, '--stored-auth-only', '--method', 'tools/list', '--format', 'json'],
        home.dir,
      );
      // The CLI's exit-code map: 3 = authorization required (the JSON error envelope goes to stderr).
      assert.equal(result.code, 3, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
      const envelope = JSON.parse(result.stderr.trim().split('\n').at(-1) ?? '{}') as { error?: { code?: string } };
      assert.equal(envelope.error?.code, 'auth_required', result.stderr);
    });
  }
});
