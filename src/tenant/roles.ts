import type { ManagementApi } from '../logto/management-client.js';
import { ensureOk } from '../logto/management-client.js';
import { listPages } from './list-pages.js';

/** A user role and the permissions (of any API resource) it grants. */
export interface Role {
  id: string;
  name: string;
  scopes: Array<{ resourceId: string; name: string }>;
}

/**
 * Every user role with its permissions: `GET /api/roles?type=User` (paged), then
 * `GET /api/roles/{id}/scopes` (paged) for each. Machine-to-machine roles are left out: they never
 * reach a user's token.
 */
export async function listUserRoles(api: ManagementApi): Promise<Role[]> {
  const roles = await listPages(async (paging) =>
    ensureOk(await api.GET('/api/roles', { params: { query: { type: 'User', ...paging } } }), 'GET /api/roles'),
  );
  const result: Role[] = [];
  for (const role of roles) {
    const scopes = await listPages(async (paging) =>
      ensureOk(await api.GET('/api/roles/{id}/scopes', { params: { path: { id: role.id }, query: paging } }), 'GET /api/roles/{id}/scopes'),
    );
    result.push({ id: role.id, name: role.name, scopes: scopes.map((s) => ({ resourceId: s.resourceId, name: s.name })) });
  }
  return result;
}
