import { Hono } from 'hono';
import { DEV_TENANT_ID, type DevTenant, type DevTenantUser } from '../tenant.js';
import { logtoError } from './errors.js';
import { paginate } from './paginate.js';

/**
 * Users: `GET /api/users/{userId}`, `GET /api/users/{userId}/roles`, `GET /api/users/{userId}/organizations`.
 * Shapes from Logto's published OpenAPI document — logto-io/logto packages/core/src/routes/admin-user/
 * basic.openapi.json, role.openapi.json, organization.openapi.json (schemas as generated into
 * @logto/api's `GetUser`, `ListUserRoles`, `ListUserOrganizations`) — and checked against Logto 1.37.1.
 */
export function usersRoutes(tenant: DevTenant): Hono {
  const app = new Hono();

  app.get('/users/:userId', (c) => {
    const user = tenant.users.get(c.req.param('userId'));
    if (!user) return notFound(c);
    return c.json(userResponse(user));
  });

  app.get('/users/:userId/roles', (c) => {
    const userId = c.req.param('userId');
    if (!tenant.users.has(userId)) return notFound(c);
    const roles = [...(tenant.userRoles.get(userId) ?? [])].flatMap((id) => {
      const role = tenant.roles.get(id);
      return role ? [{ tenantId: DEV_TENANT_ID, ...role }] : [];
    });
    return paginate(c, roles);
  });

  app.get('/users/:userId/organizations', (c) => {
    const userId = c.req.param('userId');
    if (!tenant.users.has(userId)) return notFound(c);
    const organizations = [...tenant.memberships].flatMap(([orgId, members]) => {
      const org = tenant.organizations.get(orgId);
      const roleIds = members.get(userId);
      if (!org || !roleIds) return [];
      const organizationRoles = [...roleIds].flatMap((id) => {
        const role = tenant.organizationRoles.get(id);
        return role ? [{ id: role.id, name: role.name }] : [];
      });
      return [{ tenantId: DEV_TENANT_ID, ...org, isMfaRequired: false, color: {}, branding: {}, customCss: null, organizationRoles }];
    });
    return c.json(organizations);
  });

  return app;
}

/** Logto's user response: the profile columns, no password digest. */
function userResponse(user: DevTenantUser) {
  return {
    id: user.id,
    username: user.username,
    primaryEmail: user.primaryEmail,
    primaryPhone: user.primaryPhone,
    name: user.name,
    avatar: user.avatar,
    customData: user.customData,
    identities: {},
    lastSignInAt: user.lastSignInAt,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    profile: {},
    applicationId: null,
    isSuspended: false,
    hasPassword: true,
  };
}

/** What Logto 1.37.1 answers for an unknown user id. */
function notFound(c: Parameters<typeof logtoError>[0]): Response {
  return logtoError(c, 404, 'entity.not_found', 'The resource does not exist.');
}
