import { createApplication, setRedirectUris, type Application } from '../applications.js';
import type { ManagementApi } from '../../logto/management-client.js';
import { createApiResource, createPermission, type ApiResource } from '../resources.js';
import { INSPECTOR_APP_NAME, resourceName, type SetupPlan } from './plan.js';

export interface SetupResult {
  /** The API resources, in the plan's order. */
  resources: ApiResource[];
  app: Application;
  /** What was done, one line each, in order; empty when the tenant already had everything. */
  changes: string[];
}

/**
 * Makes the plan true, in order: each API resource, then its permissions, then the application.
 * Each step is one Management API call; a failure stops there and what was done stays (a second
 * run finds it and carries on).
 */
export async function applyPlan(api: ManagementApi, plan: SetupPlan): Promise<SetupResult> {
  const changes: string[] = [];
  const resources: ApiResource[] = [];
  for (const r of plan.resources) {
    let resource = r.existing;
    if (!resource) {
      resource = await createApiResource(api, { name: resourceName(r.indicator), indicator: r.indicator });
      changes.push(`created API resource "${resource.name}" (${resource.indicator})`);
    }
    for (const name of r.missingPermissions) {
      const scope = await createPermission(api, resource.id, { name, description: `${name} (logto-whoami-mcp)` });
      resource = { ...resource, scopes: [...resource.scopes, scope] };
      changes.push(`created permission ${name} on ${resource.indicator}`);
    }
    resources.push(resource);
  }
  let app = plan.app;
  if (!app) {
    app = await createApplication(api, {
      name: INSPECTOR_APP_NAME,
      type: 'SPA',
      description: 'Created by logto-whoami-mcp --setup: the client MCP Inspector signs in with.',
      redirectUris: [...plan.input.redirectUris],
    });
    changes.push(`created Single page app "${app.name}" (App ID ${app.id})`);
  } else if (plan.missingRedirectUris.length > 0) {
    app = await setRedirectUris(api, app, [...app.redirectUris, ...plan.missingRedirectUris]);
    changes.push(`added redirect URIs ${plan.missingRedirectUris.join(', ')} to "${app.name}"`);
  }
  return { resources, app, changes };
}
