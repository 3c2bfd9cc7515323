import { announcedUrls, type Config } from '../../config.js';
import { managementClientFromConfig, type ManagementClient } from '../../logto/management-client.js';
import { applyPlan } from './apply.js';
import { describePlan, planSetup, SetupError } from './plan.js';

export { SetupError };

export interface SetupOptions {
  dryRun: boolean;
  appId?: string | undefined;
  /** The redirect URIs the client's app must list (the user's, else MCP Inspector's defaults). */
  redirectUris: readonly string[];
  /** True when they are the user's own (--redirect-uri, CLIENT_REDIRECT_URIS): the .env lines then keep them. */
  userRedirectUris?: boolean;
}

export interface SetupReport {
  /** Done (or, with dryRun, to do), one line each; empty when nothing was missing. */
  changes: string[];
  dryRun: boolean;
  /** The API identifiers (every resource the server announces). */
  resources: string[];
  permissions: string[];
  /** The Inspector app's App ID (undefined on a dry run that would create it). */
  appId: string | undefined;
  /** Lines for .env (never a secret). */
  env: string[];
}

const DEFAULT_PERMISSION = 'whoami:read';

/**
 * Creates what the tenant lacks for this server, idempotently: an API resource per announced
 * resource (`${PUBLIC_URL}/mcp` and `${PUBLIC_URL}/sse`, or MCP_RESOURCE alone), each with
 * REQUIRED_SCOPES (or `whoami:read`) as permissions, and a Single
 * page app for MCP Inspector with its redirect URIs. A second run changes nothing. With `dryRun`,
 * only reads. Throws SetupError (usage) or ManagementApiError (the tenant refused).
 */
export async function runSetup(config: Config, options: SetupOptions): Promise<SetupReport> {
  if (!config.logtoEndpoint) throw new SetupError('LOGTO_ENDPOINT is not set: setup works on a Logto tenant');
  const management = managementFrom(config);
  const resources = [...announcedUrls(config).audiences];
  const permissions = config.requiredScopes.length ? [...config.requiredScopes] : [DEFAULT_PERMISSION];
  const plan = await planSetup(management.api, { resources, permissions, redirectUris: options.redirectUris, appId: options.appId });

  const report = (changes: string[], appId: string | undefined): SetupReport => ({
    changes,
    dryRun: options.dryRun,
    resources,
    permissions,
    appId,
    env: envLines(config, permissions, appId, options.userRedirectUris ? options.redirectUris : []),
  });
  if (options.dryRun) return report(describePlan(plan), plan.app?.id);
  const result = await applyPlan(management.api, plan);
  return report(result.changes, result.app.id);
}

function managementFrom(config: Config): ManagementClient {
  const management = managementClientFromConfig(config);
  if (!management) {
    throw new SetupError(
      'setup needs LOGTO_M2M_APP_ID and LOGTO_M2M_APP_SECRET: Logto console → Applications → Create application → Machine-to-machine, ' +
        'then assign it a role with the "Logto Management API" permission "all"',
    );
  }
  return management;
}

function envLines(config: Config, permissions: string[], appId: string | undefined, redirectUris: readonly string[]): string[] {
  const lines = [`LOGTO_ENDPOINT=${config.logtoEndpoint ?? ''}`];
  if (config.publicUrl) lines.push(`PUBLIC_URL=${config.publicUrl}`);
  // Only when set: MCP_RESOURCE switches to single-resource mode, the resources follow PUBLIC_URL without it.
  if (config.resource) lines.push(`MCP_RESOURCE=${config.resource}`);
  lines.push(
    config.requiredScopes.length
      ? `REQUIRED_SCOPES=${config.requiredScopes.join(' ')}`
      : `# REQUIRED_SCOPES=${permissions.join(' ')}   # once your users' roles have it: Logto console → Roles → Permissions`,
  );
  if (config.managementApi) lines.push(`LOGTO_M2M_APP_ID=${config.managementApi.appId}`, 'LOGTO_M2M_APP_SECRET=<unchanged>');
  if (redirectUris.length) lines.push(`CLIENT_REDIRECT_URIS=${redirectUris.join(' ')}`);
  lines.push(`# MCP Inspector → OAuth Settings → Client ID: ${appId ?? '<the App ID setup creates>'}`);
  return lines;
}

/** The report as text: what changed (or would), then the .env lines. */
export function renderSetup(report: SetupReport): string {
  const head = report.dryRun ? 'Dry run — nothing was changed. Setup would:' : 'Setup:';
  const body = report.changes.length
    ? report.changes.map((c) => `  - ${c}`)
    : ['  nothing to do: the tenant already has the API resources, their permissions and the MCP Inspector app'];
  return `${[head, ...body, '', '.env:', ...report.env.map((l) => `  ${l}`)].join('\n')}\n`;
}
