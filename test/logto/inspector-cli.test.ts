/**
 * MCP Inspector 2.x CLI against our server with tokens from the real Logto (as a script or CI job would
 * pass them: `--header "Authorization: Bearer …"`), Streamable HTTP and SSE, a JWT and an opaque token.
 * Holds /tmp/inspector.lock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspectorCli, tempHome } from '../interop/helpers/inspector.js';
import { whoamiClaims } from '../interop/helpers/our-server.js';
import { interopTools } from '../interop/helpers/tools.js';
import { logtoServerHooks } from './support/hooks.js';
import { inspectorLockHooks } from './support/inspector-lock.js';
import { suiteTokens } from './support/suite.js';

describe('MCP Inspector CLI with tokens from the real Logto', () => {
  const home = tempHome('logto-inspector-cli-');
  before(() => void interopTools());
  const fixture = logtoServerHooks();
  inspectorLockHooks();
  after(() => home.remove());

  const scenarios = [
    { transport: 'http', kind: 'jwt' },
    { transport: 'http', kind: 'opaque' },
    { transport: 'sse', kind: 'jwt' },
  ] as const;
  for (const { transport, kind } of scenarios) {
    it(`--transport ${transport}, ${kind} token: tools/call whoami names alice`, async () => {
      const { suite, server } = fixture;
      const set = await suiteTokens(suite, suite.tenant.alice, kind === 'jwt' ? { resource: server.advertisedResource } : {});
      const result = await inspectorCli(
        ['--server-url', transport === 'http' ? server.mcpUrl : server.sseUrl, '--transport', transport, '--header', `Authorization: Bearer ${set.access_token}`,
          '--method', 'tools/call', '--tool-name', 'whoami', '--format', 'json'],
        home.dir,
      );
      assert.equal(result.code, 0, `inspector exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
      const claims = whoamiClaims((JSON.parse(result.stdout) as { result?: unknown }).result);
      assert.equal(claims['sub'], suite.tenant.alice.id);
      assert.equal(claims['token_type'], kind);
    });
  }
});
