import { announcedUrls, type Config } from '../../config.js';
import { managementClientFromConfig } from '../../logto/management-client.js';
import type { Check } from './checklist.js';
import { checkConfiguration } from './config-checks.js';
import { checkIssuer } from './issuer-checks.js';
import { checkTenant } from './tenant-checks.js';

export { exitCodeOf, renderChecklist, type Check } from './checklist.js';

export interface DoctorOptions {
  /** The application a client signs in with (`--app-id`). */
  appId?: string | undefined;
  /** Redirect URIs that application must list: the user's (--redirect-uri, CLIENT_REDIRECT_URIS), else MCP Inspector's defaults. */
  redirectUris: readonly string[];
  /** Where they came from, named in the report. */
  redirectUrisSource: string;
  /** For discovery and JWKS; tests inject none (real HTTP), but may. */
  fetch?: typeof fetch;
}

/**
 * Checks a configuration against its Logto tenant and returns the checklist: the configuration's
 * shape, discovery and issuer echo, the JWKS, Dynamic apps; with M2M credentials, the API resource,
 * its permissions and (`--app-id`) the client's application. Never throws for a tenant problem:
 * each becomes a failed check. Needs LOGTO_ENDPOINT (the embedded dev IdP has nothing to check).
 */
export async function runDoctor(config: Config, options: DoctorOptions): Promise<Check[]> {
  const checks = checkConfiguration(config);
  if (!config.logtoEndpoint || !config.issuer) {
    checks.push({
      id: 'issuer.discovery',
      status: 'fail',
      summary: 'LOGTO_ENDPOINT is not set: there is no tenant to check (the server would start its development IdP)',
      fix: 'set LOGTO_ENDPOINT to your tenant\'s "Logto endpoint" (Logto console → Applications → any application; Logto Cloud: https://<tenant-id>.logto.app)',
    });
    return checks;
  }
  const issuerChecks = await checkIssuer(config.logtoEndpoint, config.issuer, {
    timeoutMs: config.upstreamTimeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  checks.push(...issuerChecks);
  if (issuerChecks.some((c) => c.id === 'issuer.discovery' && c.status === 'fail')) {
    // The Management API lives at the same LOGTO_ENDPOINT: its failure now would be a consequence,
    // and blaming the M2M credentials would send the user after the wrong fix.
    checks.push({
      id: 'm2m.token',
      status: 'skip',
      summary: 'API resource, permissions, roles and application: not checked — discovery failed first (fix LOGTO_ENDPOINT above, then run --doctor again)',
    });
    return checks;
  }

  const management = managementClientFromConfig(config);
  if (!management || !config.managementApi) {
    checks.push({
      id: 'm2m.token',
      status: 'skip',
      summary: 'API resource, permissions and application: not checked (no LOGTO_M2M_APP_ID / LOGTO_M2M_APP_SECRET)',
      fix:
        'to check them: Logto console → Applications → Create application → Machine-to-machine, assign it a role with the ' +
        '"Logto Management API" permission "all", and set LOGTO_M2M_APP_ID / LOGTO_M2M_APP_SECRET',
    });
    return checks;
  }
  checks.push(
    ...(await checkTenant({
      management,
      managementResource: config.managementApi.resource,
      resources: announcedUrls(config).audiences,
      requiredScopes: config.requiredScopes,
      appId: options.appId,
      redirectUris: options.redirectUris,
      redirectUrisSource: options.redirectUrisSource,
    })),
  );
  return checks;
}
