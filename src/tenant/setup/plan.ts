import { getApplication, listApplications, PUBLIC_CLIENT_TYPES, type Application } from '../applications.js';
import type { ManagementApi } from '../../logto/management-client.js';
import { listApiResources, type ApiResource } from '../resources.js';

/** Name of the single-page app setup creates for MCP Inspector; how a second run finds it again. */
export const INSPECTOR_APP_NAME = 'MCP Inspector (logto-whoami-mcp)';
const RESOURCE_NAME = 'MCP server (logto-whoami-mcp)';

/** The name setup gives the API resource of `indicator`: which endpoint it is, when it names one. */
export function resourceName(indicator: string): string {
  const endpoint = /\/(mcp|sse)$/.exec(new URL(indicator).pathname)?.[1];
  return endpoint ? `MCP server /${endpoint} (logto-whoami-mcp)` : RESOURCE_NAME;
}

export interface SetupInput {
  /** The API identifiers to have: every resource the server announces (announcedUrls' `audiences`). */
  resources: readonly string[];
  /** Permissions each API resource must offer (the same on each). */
  permissions: readonly string[];
  /** Redirect URIs the Inspector app must list. */
  redirectUris: readonly string[];
  /** Use this application instead of finding or creating {@link INSPECTOR_APP_NAME}. */
  appId?: string | undefined;
}

/** What exists and what is missing, read from the tenant; nothing is changed to build it. */
export interface SetupPlan {
  input: SetupInput;
  /** One entry per wanted identifier, in input order. */
  resources: ResourcePlan[];
  /** The Inspector application, when the tenant has it. */
  app: Application | undefined;
  missingRedirectUris: string[];
}

export interface ResourcePlan {
  indicator: string;
  /** The API resource with the identifier, when the tenant has it. */
  existing: ApiResource | undefined;
  missingPermissions: string[];
}

export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}

export async function planSetup(api: ManagementApi, input: SetupInput): Promise<SetupPlan> {
  const all = await listApiResources(api);
  const resources = input.resources.map((indicator) => {
    const existing = all.find((r) => r.indicator === indicator);
    const have = new Set(existing?.scopes.map((s) => s.name) ?? []);
    return { indicator, existing, missingPermissions: input.permissions.filter((p) => !have.has(p)) };
  });
  const app = await findApp(api, input.appId, input.redirectUris);
  return {
    input,
    resources,
    app,
    missingRedirectUris: input.redirectUris.filter((u) => !(app?.redirectUris ?? []).includes(u)),
  };
}

async function findApp(api: ManagementApi, appId: string | undefined, redirectUris: readonly string[]): Promise<Application | undefined> {
  if (appId) {
    const app = await getApplication(api, appId);
    if (!app) throw new SetupError(`no application has the App ID ${appId} (leave out --app-id to have one created)`);
    if (!PUBLIC_CLIENT_TYPES.includes(app.type)) {
      throw new SetupError(`application "${app.name}" is of type ${app.type}; MCP Inspector needs a Single page app or Native app (leave out --app-id to have one created)`);
    }
    return app;
  }
  // An app that already serves MCP Inspector (all its redirect URIs) is reused; else the one setup made earlier.
  const apps = await listApplications(api, PUBLIC_CLIENT_TYPES);
  return apps.find((a) => redirectUris.every((u) => a.redirectUris.includes(u))) ?? apps.find((a) => a.type === 'SPA' && a.name === INSPECTOR_APP_NAME);
}

/** One line per change the plan makes, in order ("create …", "add …"). */
export function describePlan(plan: SetupPlan): string[] {
  const lines: string[] = [];
  for (const r of plan.resources) {
    if (!r.existing) lines.push(`create API resource "${resourceName(r.indicator)}" with API identifier ${r.indicator}`);
    for (const p of r.missingPermissions) lines.push(`create permission ${p} on the API resource ${r.indicator}`);
  }
  if (!plan.app) lines.push(`create Single page app "${INSPECTOR_APP_NAME}" with redirect URIs ${plan.input.redirectUris.join(', ')}`);
  else if (plan.missingRedirectUris.length) lines.push(`add redirect URIs ${plan.missingRedirectUris.join(', ')} to application "${plan.app.name}"`);
  return lines;
}
