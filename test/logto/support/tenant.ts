/**
 * Sets a fresh Logto tenant up for the suite through the Management API, with Logto's own client
 * (`@logto/api`): the apps MCP clients use, users with passwords, a global role granting our API
 * resource's permission, a role that does not, an organization with an organization role, and a second
 * API resource (for "a JWT minted for another API of the same tenant"). Our own API resources (…/mcp
 * and …/sse, one per endpoint) are registered per server ({@link registerApiResource}) with exactly
 * the `resource` each endpoint's metadata advertises.
 */
import { createManagementApi } from '@logto/api/management';
import { createApplication } from '../../../src/tenant/applications.js';
import type { LogtoInstance } from './logto.js';

export type ManagementApi = ReturnType<typeof createManagementApi>['apiClient'];

export interface LogtoUser {
  id: string;
  username: string;
  password: string;
}

export interface TenantFixture {
  /** Single-page app for MCP Inspector, the SDK clients and mcp-remote (their redirect URIs). */
  inspectorApp: { id: string; redirectUris: string[] };
  /** Native app for the CLI (loopback redirect). */
  cliApp: { id: string; redirectUris: string[] };
  /** Has the reader role: gets our resource's permission. */
  alice: LogtoUser;
  /** Has only the bystander role: no permission of our resource. */
  bob: LogtoUser;
  readerRoleId: string;
  bystanderRoleId: string;
  organization: { id: string; name: string; roleName: string; scope: string };
  /** Another API resource of the same tenant. */
  otherResource: { id: string; indicator: string; scope: string };
}

/** The permission of our API resource that the reader role grants. */
export const WHOAMI_SCOPE = 'whoami:read';
/** Redirect URIs of the public app for MCP clients: Inspector web + CLI (the SDK tests use the latter), mcp-remote. */
export const INSPECTOR_APP_REDIRECT_URIS = [
  'http://localhost:6274/oauth/callback',
  'http://127.0.0.1:6276/oauth/callback',
  'http://localhost:6276/oauth/callback',
];
/**
 * Fixed callback ports (the apps are registered with them), below Linux's ephemeral range (32768–60999):
 * inside it, any outgoing connection on this busy machine may hold the port for a while (seen: mcp-remote's
 * "Callback port 33418 is already in use").
 */
export const MCP_REMOTE_REDIRECT_URI = 'http://localhost:28418/oauth/callback';
export const CLI_PORT = 28419;
export const CLI_REDIRECT_URI = `http://127.0.0.1:${CLI_PORT}/callback`;

export function managementApi(logto: LogtoInstance): ManagementApi {
  return createManagementApi('default', {
    clientId: logto.m2mAppId,
    clientSecret: logto.m2mAppSecret,
    baseUrl: logto.endpoint,
    apiIndicator: logto.managementApiResource,
  }).apiClient;
}

/** The data of a Management API answer, or an error naming the call, status and Logto's error code. */
export function must<T>(call: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new Error(`Management API ${call}: HTTP ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data as T;
}

async function createUser(api: ManagementApi, username: string, password: string, name: string): Promise<LogtoUser> {
  const user = must('POST /api/users', await api.POST('/api/users', { body: { username, password, name } }));
  return { id: user.id, username, password };
}

export async function setupTenant(logto: LogtoInstance): Promise<TenantFixture> {
  const api = managementApi(logto);
  const inspector = await createApplication(api, {
    name: 'MCP Inspector (tests)',
    type: 'SPA',
    description: 'The test/logto suite: MCP Inspector, the SDK clients and mcp-remote sign in with it.',
    redirectUris: [...INSPECTOR_APP_REDIRECT_URIS, MCP_REMOTE_REDIRECT_URI],
  });
  const cli = await createApplication(api, {
    name: 'logto-whoami-mcp CLI (tests)',
    type: 'Native',
    description: 'The test/logto suite: the command-line client signs in with it.',
    redirectUris: [CLI_REDIRECT_URI],
  });

  const other = must(
    'POST /api/resources',
    await api.POST('/api/resources', { body: { name: 'Another API', indicator: 'https://other-api.example.com/api' } }),
  );
  const otherScope = must(
    'POST /api/resources/{id}/scopes',
    await api.POST('/api/resources/{resourceId}/scopes', { params: { path: { resourceId: other.id } }, body: { name: 'other:read' } }),
  );

  const reader = must('POST /api/roles', await api.POST('/api/roles', { body: { name: 'whoami reader', description: 'may call whoami' } }));
  const bystander = must(
    'POST /api/roles',
    await api.POST('/api/roles', { body: { name: 'bystander', description: 'another API only', scopeIds: [otherScope.id] } }),
  );

  const alice = await createUser(api, 'alice', 'Alice-Logto-Pass-2026!', 'Alice Liddell');
  const bob = await createUser(api, 'bob', 'Bob-Logto-Pass-2026!', 'Bob Builder');
  must('POST /api/users/{id}/roles', await api.POST('/api/users/{userId}/roles', { params: { path: { userId: alice.id } }, body: { roleIds: [reader.id, bystander.id] }, parseAs: 'text' }));
  must('POST /api/users/{id}/roles', await api.POST('/api/users/{userId}/roles', { params: { path: { userId: bob.id } }, body: { roleIds: [bystander.id] }, parseAs: 'text' }));

  const orgScope = must('POST /api/organization-scopes', await api.POST('/api/organization-scopes', { body: { name: 'read:docs' } }));
  const orgRole = must(
    'POST /api/organization-roles',
    await api.POST('/api/organization-roles', { body: { name: 'member', organizationScopeIds: [orgScope.id], resourceScopeIds: [] } }),
  );
  const org = must('POST /api/organizations', await api.POST('/api/organizations', { body: { name: 'Acme' } }));
  must(
    'POST /api/organizations/{id}/users',
    await api.POST('/api/organizations/{id}/users', { params: { path: { id: org.id } }, body: { userIds: [alice.id] }, parseAs: 'text' }),
  );
  must(
    'POST /api/organizations/{id}/users/roles',
    await api.POST('/api/organizations/{id}/users/roles', { params: { path: { id: org.id } }, body: { userIds: [alice.id], organizationRoleIds: [orgRole.id] }, parseAs: 'text' }),
  );

  return {
    inspectorApp: { id: inspector.id, redirectUris: [...INSPECTOR_APP_REDIRECT_URIS, MCP_REMOTE_REDIRECT_URI] },
    cliApp: { id: cli.id, redirectUris: [CLI_REDIRECT_URI] },
    alice,
    bob,
    readerRoleId: reader.id,
    bystanderRoleId: bystander.id,
    organization: { id: org.id, name: 'Acme', roleName: 'member', scope: 'read:docs' },
    otherResource: { id: other.id, indicator: other.indicator, scope: 'other:read' },
  };
}

/**
 * Registers `indicator` (the server's advertised `resource`, byte for byte) as an API resource with
 * `scopes`, and grants them through the reader role. Idempotent per indicator. `accessTokenTtl` in
 * seconds (Logto's default: 3600).
 */
export async function registerApiResource(
  logto: LogtoInstance,
  tenant: TenantFixture,
  indicator: string,
  options: { scopes?: string[]; accessTokenTtl?: number } = {},
): Promise<{ id: string; indicator: string }> {
  const api = managementApi(logto);
  const existing = must('GET /api/resources', await api.GET('/api/resources', {})).find((r) => r.indicator === indicator);
  if (existing) return { id: existing.id, indicator };
  const resource = must(
    'POST /api/resources',
    await api.POST('/api/resources', {
      body: { name: `whoami MCP ${indicator}`, indicator, ...(options.accessTokenTtl ? { accessTokenTtl: options.accessTokenTtl } : {}) },
    }),
  );
  const scopeIds: string[] = [];
  for (const name of options.scopes ?? [WHOAMI_SCOPE]) {
    const scope = must(
      'POST /api/resources/{id}/scopes',
      await api.POST('/api/resources/{resourceId}/scopes', { params: { path: { resourceId: resource.id } }, body: { name } }),
    );
    scopeIds.push(scope.id);
  }
  must('POST /api/roles/{id}/scopes', await api.POST('/api/roles/{id}/scopes', { params: { path: { id: tenant.readerRoleId } }, body: { scopeIds }, parseAs: 'text' }));
  return { id: resource.id, indicator };
}
