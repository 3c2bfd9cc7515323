/**
 * Our server against a dev IdP of its own (not the embedded one), so a test can pre-register apps
 * through the IdP's Management API the way an admin does in the Logto console, and so the IdP's
 * outgoing fetches are the test's to restrict: a client that tries a client ID metadata document
 * (CIMD) on a non-loopback host gets a refusal instead of a packet leaving the machine.
 *
 * The IdP registers each endpoint's resource identifier — the endpoint's own URL — as an API
 * resource, as `--setup` does at Logto; the server is then checked to announce exactly those in its
 * protected-resource metadata, so a client that signs in sends what the IdP knows.
 */
import assert from 'node:assert/strict';
import { startDevIdp, type DevIdp } from '../../../src/dev-idp/index.js';
import { startServer, type RunningServer } from '../../../src/start/start-server.js';
import { freePort } from '../../support/harness.js';
import { loopbackOnlyFetch } from '../../support/loopback-fetch.js';

export interface DevTenant {
  idp: DevIdp;
  server: RunningServer;
  /** Each endpoint's resource identifier as registered at the IdP (and announced by the server). */
  resources: { mcp: string; sse: string };
  /** Pre-registers an app (a Logto "Single page app" or "Native app") with these redirect URIs; returns its App ID. */
  registerApp(name: string, type: 'SPA' | 'Native', redirectUris: string[]): Promise<string>;
  close(): Promise<void>;
}

const silent = { error() {}, warn() {}, info() {} };

export async function startDevTenant(env: Record<string, string> = {}): Promise<DevTenant> {
  const port = await freePort();
  const publicUrl = `http://localhost:${port}`;
  const resources = { mcp: `${publicUrl}/mcp`, sse: `${publicUrl}/sse` };
  const idp = await startDevIdp({
    port: 0,
    resources: { [resources.mcp]: ['whoami:read'], [resources.sse]: ['whoami:read'] },
    logger: silent,
    fetch: loopbackOnlyFetch().fetch,
  });
  let server: RunningServer | undefined;
  try {
    server = await startServer(
      {
        PORT: String(port),
        LOGTO_ENDPOINT: idp.origin,
        LOGTO_M2M_APP_ID: idp.m2m.appId,
        LOGTO_M2M_APP_SECRET: idp.m2m.appSecret,
        LOG_LEVEL: process.env['INTEROP_LOG_LEVEL'] ?? 'silent',
        ...env,
      },
      { banner: false },
    );
    await server.ready;
    for (const endpoint of ['mcp', 'sse'] as const) {
      const response = await fetch(`${publicUrl}/.well-known/oauth-protected-resource/${endpoint}`);
      const metadata = (await response.json()) as { resource?: string };
      assert.equal(metadata.resource, resources[endpoint], `the metadata of /${endpoint} names the API resource the IdP registered`);
    }
  } catch (error) {
    await server?.close();
    await idp.close();
    throw error;
  }

  const m2mToken = async (): Promise<string> => {
    const response = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: idp.m2m.appId, client_secret: idp.m2m.appSecret, resource: idp.m2m.resource, scope: 'all' }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    return ((await response.json()) as { access_token: string }).access_token;
  };

  const running = server;
  return {
    idp,
    server: running,
    resources,
    async registerApp(name, type, redirectUris) {
      const response = await fetch(`${idp.origin}/api/applications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await m2mToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, type, oidcClientMetadata: { redirectUris, postLogoutRedirectUris: [] } }),
      });
      assert.equal(response.status, 200, await response.clone().text());
      return ((await response.json()) as { id: string }).id;
    },
    async close() {
      await running.close();
      await idp.close();
    },
  };
}
