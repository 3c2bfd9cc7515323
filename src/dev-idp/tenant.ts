import { DEV_USERS } from './users.js';

/**
 * The demo tenant behind the dev IdP's Management API: what a Logto tenant knows about its users
 * beyond the sign-in account (users.ts) — global roles, organizations and organization roles.
 * IDs are Logto-shaped (21 lowercase alphanumerics for roles/organizations) and fixed per start.
 * Mutable: the Management API's write routes change it (in memory, for this process only).
 */
export interface DevTenant {
  users: Map<string, DevTenantUser>;
  /** Global (API resource) roles, `type: 'User'` as Logto lists them. */
  roles: Map<string, { id: string; name: string; description: string; type: 'User' | 'MachineToMachine'; isDefault: boolean }>;
  organizations: Map<string, { id: string; name: string; description: string | null; customData: Record<string, unknown>; createdAt: number }>;
  organizationRoles: Map<string, { id: string; name: string; description: string | null; type: 'User' | 'MachineToMachine' }>;
  /** userId → role ids */
  userRoles: Map<string, Set<string>>;
  /** organizationId → (userId → organization role ids) */
  memberships: Map<string, Map<string, Set<string>>>;
}

export interface DevTenantUser {
  id: string;
  username: string | null;
  primaryEmail: string | null;
  primaryPhone: string | null;
  name: string | null;
  avatar: string | null;
  customData: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  lastSignInAt: number | null;
}

/** `tenant_id` of every record, as in Logto OSS. */
export const DEV_TENANT_ID = 'default';

export function createDevTenant(now = Date.now()): DevTenant {
  const users = new Map<string, DevTenantUser>();
  const extras: Record<string, { phone: string | null; customData: Record<string, unknown> }> = {
    alice: { phone: '+15555550100', customData: { plan: 'pro', team: 'platform' } },
    bob: { phone: null, customData: {} },
  };
  for (const u of DEV_USERS) {
    users.set(u.sub, {
      id: u.sub,
      username: u.username,
      primaryEmail: u.email,
      primaryPhone: extras[u.username]?.phone ?? null,
      name: u.name,
      avatar: u.picture,
      customData: extras[u.username]?.customData ?? {},
      createdAt: now,
      updatedAt: now,
      lastSignInAt: null,
    });
  }
  const role = (id: string, name: string, description: string) => [id, { id, name, description, type: 'User' as const, isDefault: false }] as const;
  const roles = new Map([role('devroleadmin000000001', 'admin', 'Administrators of the demo tenant'), role('devroleviewer00000002', 'viewer', 'Read-only users')]);
  const org = (id: string, name: string, description: string) => [id, { id, name, description, customData: {}, createdAt: now }] as const;
  const organizations = new Map([org('devorgacme00000000001', 'Acme Corp', 'Demo organization'), org('devorglabs00000000002', 'Example Labs', 'A second demo organization')]);
  const orgRole = (id: string, name: string, description: string) => [id, { id, name, description, type: 'User' as const }] as const;
  const organizationRoles = new Map([orgRole('devorgroleadmin000001', 'admin', 'Organization administrator'), orgRole('devorgrolemember00002', 'member', 'Organization member')]);
  const [alice, bob] = DEV_USERS;
  return {
    users,
    roles,
    organizations,
    organizationRoles,
    userRoles: new Map([
      [alice!.sub, new Set(['devroleadmin000000001', 'devroleviewer00000002'])],
      [bob!.sub, new Set(['devroleviewer00000002'])],
    ]),
    memberships: new Map([
      [
        'devorgacme00000000001',
        new Map([
          [alice!.sub, new Set(['devorgroleadmin000001', 'devorgrolemember00002'])],
          [bob!.sub, new Set(['devorgrolemember00002'])],
        ]),
      ],
      ['devorglabs00000000002', new Map([[alice!.sub, new Set(['devorgrolemember00002'])]])],
    ]),
  };
}
