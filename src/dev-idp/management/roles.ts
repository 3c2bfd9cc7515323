import { Hono } from 'hono';
import { DEV_TENANT_ID, type DevTenant } from '../tenant.js';
import { logtoError } from './errors.js';
import { paginate } from './paginate.js';
import type { DevApiResources } from './resources.js';

/**
 * Roles: `GET /api/roles` (`type`, paged) and `GET /api/roles/{id}/scopes` (paged), what `--doctor`
 * reads to see that a role grants each REQUIRED_SCOPES permission. Shapes from Logto's published
 * OpenAPI document (role.openapi.json, as generated into @logto/api's `ListRoles`, `ListRoleScopes`).
 *
 * The dev IdP's token endpoint grants every permission of a resource to whoever asks (it has no
 * role model), so every role is listed as granting every permission of every API resource: what
 * doctor concludes from it is what the tokens show.
 */
export function rolesRoutes(tenant: DevTenant, resources: DevApiResources): Hono {
  const app = new Hono();

  app.get('/roles', (c) => {
    const type = c.req.query('type');
    const roles = [...tenant.roles.values()].filter((r) => type === undefined || r.type === type).map((r) => ({ tenantId: DEV_TENANT_ID, ...r }));
    return paginate(c, roles);
  });

  app.get('/roles/:id/scopes', (c) => {
    if (!tenant.roles.has(c.req.param('id'))) {
      return logtoError(c, 404, 'entity.not_exists_with_id', `The roles with ID \`${c.req.param('id')}\` does not exist.`.slice(0, 200));
    }
    const scopes = resources.list().flatMap((resource) =>
      resource.scopes.map((s) => ({
        tenantId: DEV_TENANT_ID,
        id: s.id,
        resourceId: resource.id,
        name: s.name,
        description: s.description,
        createdAt: s.createdAt,
        resource: { tenantId: DEV_TENANT_ID, id: resource.id, name: resource.name, indicator: resource.indicator, isDefault: false, accessTokenTtl: resource.accessTokenTtl },
      })),
    );
    return paginate(c, scopes);
  });

  return app;
}
