import { Hono } from 'hono';
import { DEV_TENANT_ID, type DevTenant } from '../tenant.js';
import { logtoError } from './errors.js';
import { paginate } from './paginate.js';

/**
 * Organizations: `GET /api/organizations/{id}/users/{userId}/roles` (the caller's organization
 * roles). Shape from Logto's published OpenAPI document — logto-io/logto
 * packages/core/src/routes/organization/user/index.openapi.json (schema as generated into
 * @logto/api's `ListOrganizationUserRoles`) — and checked against Logto 1.37.1.
 */
export function organizationsRoutes(tenant: DevTenant): Hono {
  const app = new Hono();

  app.get('/organizations/:id/users/:userId/roles', (c) => {
    const members = tenant.memberships.get(c.req.param('id'));
    if (!tenant.organizations.has(c.req.param('id')) || !members) {
      return logtoError(c, 404, 'entity.not_found', 'The resource does not exist.');
    }
    const roleIds = members.get(c.req.param('userId'));
    if (!roleIds) return logtoError(c, 422, 'organization.require_membership', 'The user must be a member of the organization.');
    const roles = [...roleIds].flatMap((id) => {
      const role = tenant.organizationRoles.get(id);
      return role ? [{ tenantId: DEV_TENANT_ID, ...role }] : [];
    });
    return paginate(c, roles);
  });

  return app;
}
