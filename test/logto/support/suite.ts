/**
 * One real Logto per suite run. `npm run test:logto` (test/logto/run.ts) starts Logto, sets the tenant
 * up and hands both to every test file through a state file (LOGTO_SUITE_STATE). A file run on its own
 * (`node --import tsx --test test/logto/x.test.ts`) starts a Logto of its own instead and stops it after.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { startServer, type RunningServer } from '../../../src/start/start-server.js';
import { LogCapture } from '../../support/harness.js';
import { scratchDir, startLogto, stopLogto, type LogtoInstance } from './logto.js';
import { INSPECTOR_APP_REDIRECT_URIS, registerApiResource, setupTenant, type LogtoUser, type TenantFixture } from './tenant.js';
import { logtoTokens, type TokenSet } from './tokens.js';

export interface Suite {
  logto: LogtoInstance;
  tenant: TenantFixture;
  /** Stops the Logto this file started; nothing when the runner owns it. */
  release(): Promise<void>;
}

export const STATE_ENV = 'LOGTO_SUITE_STATE';

export function writeState(path: string, logto: LogtoInstance, tenant: TenantFixture): void {
  writeFileSync(path, JSON.stringify({ logto, tenant }, null, 2), { mode: 0o600 });
}

export async function useLogto(): Promise<Suite> {
  const statePath = process.env[STATE_ENV];
  if (statePath) {
    const { logto, tenant } = JSON.parse(readFileSync(statePath, 'utf8')) as { logto: LogtoInstance; tenant: TenantFixture };
    return { logto, tenant, release: async () => {} };
  }
  // One scratch folder for single-file runs (unpacked once); run one such file at a time.
  const dir = scratchDir('file');
  const logto = await startLogto(dir);
  try {
    const tenant = await setupTenant(logto);
    return { logto, tenant, release: () => stopLogto(dir) };
  } catch (error) {
    await stopLogto(dir);
    throw error;
  }
}

export interface LogtoServer extends RunningServer {
  logs: LogCapture;
  /** The `resource` the /mcp document (and the root one) advertises, registered at Logto as is. */
  advertisedResource: string;
  /** What each endpoint's document advertises (/mcp's and /sse's; equal with MCP_RESOURCE), each registered at Logto. */
  advertisedResources: { mcp: string; sse: string };
  /** /mcp's API resource at Logto. */
  apiResourceId: string;
}

/**
 * Our server (in-process) against the real Logto on a free loopback port, and its API resources
 * registered at Logto with exactly the `resource` each endpoint's metadata advertises (…/mcp, …/sse;
 * one with MCP_RESOURCE) — never a guessed string.
 */
export async function startServerForLogto(
  suite: Suite,
  env: Record<string, string> = {},
  resourceOptions: { scopes?: string[]; accessTokenTtl?: number } = {},
): Promise<LogtoServer> {
  const logs = new LogCapture();
  const server = await startServer(
    { LOGTO_ENDPOINT: suite.logto.endpoint, PORT: '0', LOG_LEVEL: 'debug', ...env },
    { logDestination: logs, banner: false },
  );
  try {
    await server.ready;
    const advertised = async (endpoint: 'mcp' | 'sse') => {
      const response = await fetch(`${server.url}/.well-known/oauth-protected-resource/${endpoint}`);
      const metadata = (await response.json()) as { resource?: unknown };
      if (typeof metadata.resource !== 'string') throw new Error(`no resource in our /${endpoint} metadata: ${JSON.stringify(metadata)}`);
      return metadata.resource;
    };
    const advertisedResources = { mcp: await advertised('mcp'), sse: await advertised('sse') };
    const registered = await registerApiResource(suite.logto, suite.tenant, advertisedResources.mcp, resourceOptions);
    if (advertisedResources.sse !== advertisedResources.mcp) await registerApiResource(suite.logto, suite.tenant, advertisedResources.sse, resourceOptions);
    return Object.assign(server, { logs, advertisedResource: advertisedResources.mcp, advertisedResources, apiResourceId: registered.id });
  } catch (error) {
    await server.close();
    throw error;
  }
}

/**
 * Tokens from the suite's Logto for `user` through the pre-registered Inspector app (its second
 * redirect URI), signed in headlessly ({@link logtoTokens}): with `resource` a JWT for that API
 * resource, without it an opaque token; `scope` defaults to `openid profile email`.
 */
export function suiteTokens(suite: Suite, user: LogtoUser, options: { resource?: string; scope?: string } = {}): Promise<TokenSet> {
  return logtoTokens({ issuer: suite.logto.issuer, clientId: suite.tenant.inspectorApp.id, redirectUri: INSPECTOR_APP_REDIRECT_URIS[1]!, user, ...options });
}
