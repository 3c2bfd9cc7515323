import { getApplication, PUBLIC_CLIENT_TYPES, type Application } from '../applications.js';
import { ManagementApiError } from '../../logto/errors.js';
import type { ManagementClient } from '../../logto/management-client.js';
import { listApiResources, type ApiResource } from '../resources.js';
import { listUserRoles, type Role } from '../roles.js';
import type { Check } from './checklist.js';
import { nearMiss } from './near-miss.js';

export interface TenantCheckInput {
  management: ManagementClient;
  /** The Management API indicator the M2M token is asked for (for the fix text). */
  managementResource: string;
  /** The resources the server announces (announcedUrls' `audiences`): each an API identifier that must exist. */
  resources: readonly string[];
  requiredScopes: readonly string[];
  /** The application a client (MCP Inspector) signs in with, when given. */
  appId: string | undefined;
  /** Redirect URIs that application must list: the ones the user's clients use. */
  redirectUris: readonly string[];
  /** Where they came from, for the report ("--redirect-uri", "CLIENT_REDIRECT_URIS", "MCP Inspector's defaults"). */
  redirectUrisSource: string;
}

const MAX_NEAR_MISSES = 5;

const M2M_FIX =
  'Logto console → Applications → your machine-to-machine app: copy its App ID and App secret into LOGTO_M2M_APP_ID / LOGTO_M2M_APP_SECRET, ' +
  'and under Roles assign a machine-to-machine role with the "Logto Management API" permission "all"';

/** What only the Management API can tell: the API resource, its permissions, the client's application. */
export async function checkTenant(input: TenantCheckInput): Promise<Check[]> {
  const { management } = input;
  let resources: ApiResource[];
  try {
    await management.token.get();
    resources = await listApiResources(management.api);
  } catch (error) {
    return [m2mFailure(error, input.managementResource)];
  }
  const checks: Check[] = [{ id: 'm2m.token', status: 'ok', summary: 'Management API: the machine-to-machine app signs in and may read the tenant' }];

  // The roles are read once, when the first resource needs them, and shared by every resource.
  let roles: Promise<Role[]> | undefined;
  const userRoles = () => (roles ??= listUserRoles(management.api));
  for (const wanted of input.resources) checks.push(...(await checkApiResource(userRoles, resources, wanted, input.requiredScopes)));
  checks.push(await checkApplication(input));
  return checks;
}

/** `wanted` exists as an API identifier (else its near misses), its permissions, and the roles that grant them. */
async function checkApiResource(userRoles: () => Promise<Role[]>, resources: readonly ApiResource[], wanted: string, requiredScopes: readonly string[]): Promise<Check[]> {
  const match = resources.find((r) => r.indicator === wanted);
  if (match) {
    const permissions = checkPermissions(match, requiredScopes);
    return [
      { id: 'tenant.api_resource', status: 'ok', summary: `API resource "${match.name}" has the API identifier ${wanted}` },
      permissions,
      ...(permissions.status === 'ok' && requiredScopes.length > 0 ? [await checkRoles(userRoles, match, requiredScopes)] : []),
    ];
  }
  // Closest first: another port is the weakest hint (local setups often have several).
  const all = resources
    .flatMap((r) => {
      const why = nearMiss(wanted, r.indicator);
      return why ? [{ rank: (why.includes('port') ? 10 : 0) + why.split(', ').length, line: `near miss: "${r.name}" has API identifier ${r.indicator}: ${why}` }] : [];
    })
    .sort((a, b) => a.rank - b.rank)
    .map((m) => m.line);
  const misses = all.length > MAX_NEAR_MISSES ? [...all.slice(0, MAX_NEAR_MISSES), `… and ${all.length - MAX_NEAR_MISSES} more`] : all;
  return [
    {
      id: 'tenant.api_resource',
      status: 'fail',
      summary: `no API resource has the API identifier ${wanted}: clients that send it get invalid_target`,
      details: misses,
      fix:
        `Logto console → API resources → Create API resource, API identifier: ${wanted} (an identifier cannot be edited)` +
        (misses.length ? ', or set MCP_RESOURCE to the near miss if that is the URL clients use' : '') +
        ' — or run with --setup',
    },
    { id: 'tenant.permissions', status: 'skip', summary: `permissions of ${wanted}: not checked (no API resource)` },
  ];
}

function checkPermissions(resource: ApiResource, required: readonly string[]): Check {
  const names = resource.scopes.map((s) => s.name);
  const missing = required.filter((s) => !names.includes(s));
  if (required.length === 0) {
    return { id: 'tenant.permissions', status: 'ok', summary: `REQUIRED_SCOPES is empty; the API resource's permissions: ${names.join(', ') || 'none'}` };
  }
  if (missing.length === 0) {
    return { id: 'tenant.permissions', status: 'ok', summary: `permissions ${required.join(', ')} exist on "${resource.name}" (grant them to your users' roles: Roles → Permissions)` };
  }
  return {
    id: 'tenant.permissions',
    status: 'fail',
    summary: `REQUIRED_SCOPES not defined on "${resource.name}": ${missing.join(', ')} — no token can carry them, every call gets 403 insufficient_scope`,
    fix: `Logto console → API resources → ${resource.name} → Permissions → Create permission: ${missing.join(', ')}; then Roles → (your users' role) → Permissions → Assign permissions`,
  };
}

/** Logto puts a permission into a user's token only when one of the user's roles grants it. */
async function checkRoles(userRoles: () => Promise<Role[]>, resource: ApiResource, required: readonly string[]): Promise<Check> {
  let roles;
  try {
    roles = await userRoles();
  } catch (error) {
    return { id: 'tenant.roles', status: 'warn', summary: `roles: not checked (${error instanceof Error ? error.message : String(error)})` };
  }
  const grantedBy = (scope: string) => roles.filter((r) => r.scopes.some((s) => s.resourceId === resource.id && s.name === scope)).map((r) => r.name);
  const ungranted = required.filter((scope) => grantedBy(scope).length === 0);
  if (ungranted.length > 0) {
    return {
      id: 'tenant.roles',
      status: 'fail',
      summary: `no user role grants ${ungranted.join(', ')} of "${resource.name}": Logto leaves it out of every token, and every call gets 403 insufficient_scope`,
      fix: `Logto console → Roles → (a role, or Create role) → Permissions → Assign permissions: ${ungranted.join(', ')} of "${resource.name}"; then give your users that role (User management → user → Roles)`,
    };
  }
  return {
    id: 'tenant.roles',
    status: 'ok',
    summary: `roles grant REQUIRED_SCOPES: ${required.map((scope) => `${scope} by ${grantedBy(scope).map((n) => `"${n}"`).join(', ')}`).join('; ')} (users need one of them)`,
  };
}

async function checkApplication(input: TenantCheckInput): Promise<Check> {
  if (!input.appId) {
    return { id: 'tenant.app', status: 'skip', summary: 'application: not checked (pass --app-id <App ID> to check the app your MCP client signs in with)' };
  }
  let app: Application | undefined;
  try {
    app = await getApplication(input.management.api, input.appId);
  } catch (error) {
    return { id: 'tenant.app', status: 'fail', summary: `application ${input.appId}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!app) {
    return {
      id: 'tenant.app',
      status: 'fail',
      summary: `no application has the App ID ${input.appId}`,
      fix: 'Logto console → Applications: copy the App ID of the app your client uses (Single page app for MCP Inspector), or run with --setup to create one',
    };
  }
  if (!PUBLIC_CLIENT_TYPES.includes(app.type)) {
    return {
      id: 'tenant.app',
      status: 'fail',
      summary: `application "${app.name}" is a ${describeType(app.type)}: MCP Inspector and desktop MCP clients are public clients (no secret, PKCE) and cannot use it`,
      fix: 'Logto console → Applications → Create application → Single page app (MCP Inspector, browser clients) or Native app (desktop, CLI); use its App ID',
    };
  }
  const missing = input.redirectUris.filter((u) => !app.redirectUris.includes(u));
  if (missing.length > 0) {
    return {
      id: 'tenant.app',
      status: 'fail',
      summary: `application "${app.name}" lacks ${missing.length} of the redirect URIs checked (${input.redirectUrisSource}): the sign-in ends with invalid_redirect_uri ("redirect_uri did not match")`,
      details: [...missing.map((u) => `missing: ${u}`), `registered: ${app.redirectUris.join(', ') || 'none'}`],
      fix:
        `Logto console → Applications → ${app.name} → Redirect URIs: add ${missing.join(' and ')}, then Save changes (or run --setup with the same redirect URIs). ` +
        "Not the URIs your client uses? Pass them: --redirect-uri <uri> (repeatable) or CLIENT_REDIRECT_URIS; MCP Inspector shows its own under the server's Settings → OAuth Settings → Redirect URI",
    };
  }
  return {
    id: 'tenant.app',
    status: 'ok',
    summary: `application "${app.name}" (${describeType(app.type)}) lists the redirect URIs checked (${input.redirectUrisSource}): ${input.redirectUris.join(', ')}`,
  };
}

function describeType(type: Application['type']): string {
  return (
    { SPA: 'Single page app', Native: 'Native app', Traditional: 'Traditional web app', MachineToMachine: 'Machine-to-machine app', Protected: 'Protected app', SAML: 'SAML app' } as const
  )[type];
}

function m2mFailure(error: unknown, managementResource: string): Check {
  const code = error instanceof ManagementApiError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'forbidden' || code === 'unauthorized') {
    return { id: 'm2m.token', status: 'fail', summary: `Management API refused the machine-to-machine app (${message})`, fix: M2M_FIX };
  }
  if (code === 'token_failed') {
    return {
      id: 'm2m.token',
      status: 'fail',
      summary: `Management API: no token for the machine-to-machine app (${message})`,
      fix: `${M2M_FIX}; the token is asked for resource ${managementResource} (set LOGTO_MANAGEMENT_API_RESOURCE if your tenant's differs)`,
    };
  }
  return { id: 'm2m.token', status: 'fail', summary: `Management API unreachable: ${message}`, fix: 'check that Logto is reachable from here' };
}
