import { parseArgs } from 'node:util';
import { ConfigError, isRedirectUri, loadConfig } from '../config.js';
import { clientRedirectUris, INSPECTOR_REDIRECT_URIS, WHERE_INSPECTOR_REDIRECT_URI } from '../shared/client-redirect-uris.js';
import { exitCodeOf, renderChecklist, runDoctor } from './doctor/index.js';
import { ManagementApiError } from '../logto/errors.js';
import { renderSetup, runSetup, SetupError } from './setup/index.js';

export const TENANT_USAGE = `Usage (npm run doctor / npm run setup in a checkout: they read .env):
  logto-whoami-mcp doctor [--app-id <App ID>] [--redirect-uri <uri>]… [--json]
                                   check this configuration against its Logto tenant (exit 0 = all good)
  logto-whoami-mcp setup [--app-id <App ID>] [--redirect-uri <uri>]… [--dry-run] [--json]
                                   create the API resources (…/mcp, …/sse), their permissions and an app for your MCP client where missing
  --redirect-uri <uri>   a redirect URI your MCP client uses (repeatable); default: CLIENT_REDIRECT_URIS, else
                         MCP Inspector's on its default ports (${INSPECTOR_REDIRECT_URIS.join(', ')}).
                         ${WHERE_INSPECTOR_REDIRECT_URI}.
Both read the same environment as the server (LOGTO_ENDPOINT, PUBLIC_URL, MCP_RESOURCE, REQUIRED_SCOPES,
LOGTO_M2M_APP_ID, LOGTO_M2M_APP_SECRET, CLIENT_REDIRECT_URIS, …) and need the variables in it; in a checkout,
node dist/index.js doctor needs npm run build first (node --env-file=.env dist/index.js doctor); npm run doctor /
setup do both. --doctor and --setup work in place of the words.`;

export interface TenantCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  fetch?: typeof fetch;
}

/** Runs `--doctor` or `--setup`; returns the exit code (doctor: 1 when a check failed; both: 1 on errors, 2 on usage). */
export async function runTenantCommand(argv: string[], env: Record<string, string | undefined>, io: TenantCommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        doctor: { type: 'boolean', default: false },
        setup: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'app-id': { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n${TENANT_USAGE}\n`);
    return 2;
  }
  if (values.doctor === values.setup || (values['dry-run'] && !values.setup)) {
    io.stderr(`${TENANT_USAGE}\n`);
    return 2;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const appId = values['app-id'];
  const flagged = values['redirect-uri'] ?? [];
  const bad = flagged.filter((u) => !isRedirectUri(u));
  if (bad.length > 0) {
    io.stderr(`--redirect-uri must be an absolute URL (got ${bad.join(', ')})\n${TENANT_USAGE}\n`);
    return 2;
  }
  const redirect = flagged.length ? { uris: [...new Set(flagged)], source: '--redirect-uri' } : clientRedirectUris(config.clientRedirectUris);

  if (values.doctor) {
    const checks = await runDoctor(config, { appId, redirectUris: redirect.uris, redirectUrisSource: redirect.source, ...(io.fetch ? { fetch: io.fetch } : {}) });
    io.stdout(values.json ? `${JSON.stringify({ ok: exitCodeOf(checks) === 0, checks }, null, 2)}\n` : renderChecklist(`logto-whoami-mcp doctor — ${config.logtoEndpoint ?? '(no LOGTO_ENDPOINT)'}`, checks));
    return exitCodeOf(checks);
  }

  try {
    const report = await runSetup(config, { dryRun: values['dry-run'], appId, redirectUris: redirect.uris, userRedirectUris: redirect.uris !== INSPECTOR_REDIRECT_URIS });
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderSetup(report));
    return 0;
  } catch (error) {
    if (error instanceof SetupError || error instanceof ManagementApiError) {
      io.stderr(`setup: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
