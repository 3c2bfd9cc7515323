import type { ManagementApi } from '../logto/management-client.js';
import { ensureOk } from '../logto/management-client.js';
import { listPages } from './list-pages.js';

/** A Logto API resource and its permissions (scopes), as doctor and setup need them. */
export interface ApiResource {
  id: string;
  name: string;
  /** The "API identifier" in the console; the `resource` clients send (RFC 8707). */
  indicator: string;
  scopes: Array<{ id: string; name: string }>;
}

/** Every API resource of the tenant with its permissions (`GET /api/resources?includeScopes=true`, paged). */
export async function listApiResources(api: ManagementApi): Promise<ApiResource[]> {
  const raw = await listPages(async (paging) =>
    ensureOk(await api.GET('/api/resources', { params: { query: { includeScopes: 'true', ...paging } } }), 'GET /api/resources'),
  );
  return raw.map((r) => ({ id: r.id, name: r.name, indicator: r.indicator, scopes: (r.scopes ?? []).map((s) => ({ id: s.id, name: s.name })) }));
}

/** `POST /api/resources`: a new API resource whose API identifier is `indicator`. */
export async function createApiResource(api: ManagementApi, input: { name: string; indicator: string }): Promise<ApiResource> {
  const r = ensureOk(await api.POST('/api/resources', { body: input }), 'POST /api/resources');
  return { id: r.id, name: r.name, indicator: r.indicator, scopes: [] };
}

/** `POST /api/resources/{resourceId}/scopes`: a permission of that API resource. */
export async function createPermission(api: ManagementApi, resourceId: string, input: { name: string; description: string }): Promise<{ id: string; name: string }> {
  const s = ensureOk(
    await api.POST('/api/resources/{resourceId}/scopes', { params: { path: { resourceId } }, body: input }),
    'POST /api/resources/{resourceId}/scopes',
  );
  return { id: s.id, name: s.name };
}
