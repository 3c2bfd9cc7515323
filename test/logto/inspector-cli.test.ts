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
import { holdInspectorLock } from './support/inspector-lock.js';
import { startServerForLogto, useLogto, type LogtoServer, type Suite } from './support/suite.js';
import { INSPECTOR_APP_REDIRECT_URIS } from './support/tenant.js';
import { logtoTokens } from './support/tokens.js';

describe('MCP Inspector CLI with tokens from the real Logto', () => {
  let suite: Suite;
  let server: LogtoServer;
  let lock: { release(): void } | undefined;
  const home = tempHome('logto-inspector-cli-');
  before(async () => {
    interopTools();
    suite = await useLogto();
    server = await startServerForLogto(suite);
    lock = await holdInspectorLock();
  });
  after(async () => {
    lock?.release();
    await server?.close();
    await suite?.release();
    home.remove();
  });

  const scenarios = [
    { transport: 'http', kind: 'jwt' },
    { transport: 'http', kind: 'opaque' },
    { transport: 'sse', kind: 'jwt' },
  ] as const;
  for (const { transport, kind } of scenarios) {
    it(`--transport ${transport}, ${kind} token: tools/call whoami names alice`, async () => {
      const set = await logtoTokens({
        issuer: suite.logto.issuer,
        clientId: suite.tenant.inspectorApp.id,
        redirectUri: INSPECTOR_APP_REDIRECT_URIS[1]!,
        user: suite.tenant.alice,
        ...(kind === 'jwt' ? { resource: server.advertisedResource } : {}),
      });
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
