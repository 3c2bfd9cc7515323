/**
 * The redirect URIs --doctor and --setup work with are the user's: `--redirect-uri` (repeatable), else
 * CLIENT_REDIRECT_URIS, else MCP Inspector's defaults. With Inspector on another port, doctor passes the
 * app that lists that port's URI and fails the one that lists only the defaults, naming what is missing;
 * setup adds the user's URI, not the defaults. A failed discovery is not blamed on the M2M credentials.
 * The banner prints the user's URIs and where Inspector shows its own. Real HTTP on 127.0.0.1, against
 * the dev IdP's Logto-shaped Management API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';
import { createApplication, getApplication } from '../../src/tenant/applications.js';
import { managementClientFromConfig } from '../../src/logto/management-client.js';
import { freePort } from '../support/harness.js';
import { spawnServer } from '../support/spawn-server.js';
import { doctorJson, runTenant, type DoctorJson } from '../support/tenant-command.js';

const silent = { info() {}, warn() {}, error() {} };
/** MCP Inspector 2.12's web UI on port 7274 instead of 6274: the redirect URI it shows in OAuth Settings. */
const MOVED = 'http://localhost:7274/oauth/callback';

describe('doctor and setup with the redirect URIs the user uses', () => {
  let idp: DevIdp;
  let env: Record<string, string>;
  let rightApp: string;
  let defaultsApp: string;
  const check = (result: DoctorJson, id: string) => result.checks.find((c) => c.id === id);

  before(async () => {
    const port = await freePort();
    const base = `http://localhost:${port}`;
    idp = await startDevIdp({ port: 0, logger: silent, resources: Object.fromEntries([`${base}/`, `${base}/mcp`, `${base}/sse`].map((r) => [r, ['whoami:read']])) });
    env = {
      LOGTO_ENDPOINT: idp.origin,
      PUBLIC_URL: base,
      LOGTO_M2M_APP_ID: idp.m2m.appId,
      LOGTO_M2M_APP_SECRET: idp.m2m.appSecret,
      LOGTO_MANAGEMENT_API_RESOURCE: idp.m2m.resource,
    };
    const api = managementClientFromConfig(loadConfig(env))!.api;
    rightApp = (await createApplication(api, { name: 'Inspector on 7274', type: 'SPA', description: 'right', redirectUris: [MOVED] })).id;
    defaultsApp = (
      await createApplication(api, {
        name: 'Inspector defaults',
        type: 'SPA',
        description: 'wrong for Inspector on 7274',
        redirectUris: ['http://localhost:6274/oauth/callback', 'http://127.0.0.1:6276/oauth/callback'],
      })
    ).id;
  });
  after(async () => {
    await idp?.close();
  });

  it('--redirect-uri: passes the app that lists it, fails the app with only the defaults and names the missing URI', async () => {
    const right = await doctorJson(env, '--app-id', rightApp, '--redirect-uri', MOVED);
    assert.equal(check(right.result, 'tenant.app')?.status, 'ok', JSON.stringify(check(right.result, 'tenant.app')));
    assert.match(check(right.result, 'tenant.app')?.summary ?? '', /--redirect-uri/);

    const wrong = await doctorJson(env, '--app-id', defaultsApp, '--redirect-uri', MOVED);
    assert.equal(wrong.code, 1);
    const app = check(wrong.result, 'tenant.app');
    assert.equal(app?.status, 'fail');
    assert.deepEqual(app?.details?.filter((d) => d.startsWith('missing: ')), [`missing: ${MOVED}`]);
    assert.ok(app?.fix?.includes(MOVED));
    assert.match(app?.fix ?? '', /Settings → OAuth Settings → Redirect URI/);
  });

  it('CLIENT_REDIRECT_URIS does the same; without either, the defaults are checked (and the right app fails them)', async () => {
    const viaEnv = await doctorJson({ ...env, CLIENT_REDIRECT_URIS: MOVED }, '--app-id', rightApp);
    assert.equal(check(viaEnv.result, 'tenant.app')?.status, 'ok');
    assert.match(check(viaEnv.result, 'tenant.app')?.summary ?? '', /CLIENT_REDIRECT_URIS/);
    const defaults = await doctorJson(env, '--app-id', rightApp);
    assert.equal(check(defaults.result, 'tenant.app')?.status, 'fail');
    assert.match(check(defaults.result, 'tenant.app')?.summary ?? '', /MCP Inspector's defaults/);
  });

  it('setup --app-id --redirect-uri adds the user\'s URI to the app (not the defaults) and prints CLIENT_REDIRECT_URIS for .env', async () => {
    const run = await runTenant(['--setup', '--app-id', defaultsApp, '--redirect-uri', MOVED], env);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, new RegExp(`added redirect URIs ${MOVED}`));
    assert.match(run.out, new RegExp(`CLIENT_REDIRECT_URIS=${MOVED}`));
    const app = await getApplication(managementClientFromConfig(loadConfig(env))!.api, defaultsApp);
    assert.deepEqual(app?.redirectUris, ['http://localhost:6274/oauth/callback', 'http://127.0.0.1:6276/oauth/callback', MOVED]);
    assert.equal((await doctorJson(env, '--app-id', defaultsApp, '--redirect-uri', MOVED)).result.checks.find((c) => c.id === 'tenant.app')?.status, 'ok');
  });

  it('a --redirect-uri that is not a URL: usage error (exit 2)', async () => {
    const run = await runTenant(['--doctor', '--redirect-uri', 'localhost:7274'], env);
    assert.equal(run.code, 2);
    assert.match(run.err, /--redirect-uri must be an absolute URL/);
  });

  it('discovery failed (a wrong LOGTO_ENDPOINT): the tenant checks are skipped, the M2M credentials are not blamed', async () => {
    const closed = await freePort();
    const run = await doctorJson({ ...env, LOGTO_ENDPOINT: `http://127.0.0.1:${closed}` });
    assert.equal(run.code, 1);
    assert.equal(check(run.result, 'issuer.discovery')?.status, 'fail');
    const m2m = check(run.result, 'm2m.token');
    assert.equal(m2m?.status, 'skip');
    assert.match(m2m?.summary ?? '', /discovery failed first/);
    assert.ok(!run.result.checks.some((c) => c.status === 'fail' && /machine-to-machine|LOGTO_M2M_APP_SECRET/.test(`${c.summary} ${c.fix ?? ''}`)));
  });

  it('without PUBLIC_URL, doctor says to use localhost or set PUBLIC_URL', async () => {
    const { PUBLIC_URL: _unset, ...withoutPublicUrl } = env;
    const run = await doctorJson({ ...withoutPublicUrl, PORT: '3001' });
    const publicUrl = check(run.result, 'config.public_url');
    assert.equal(publicUrl?.status, 'warn');
    assert.match(publicUrl?.fix ?? '', /http:\/\/localhost:3001\/mcp, not 127\.0\.0\.1 .*use localhost or set PUBLIC_URL/);
  });

  it('REQUIRED_SCOPES on the dev IdP: tenant.roles ok for each resource (its roles grant what its tokens carry: everything)', async () => {
    const run = await doctorJson({ ...env, REQUIRED_SCOPES: 'whoami:read' });
    const roles = run.result.checks.filter((c) => c.id === 'tenant.roles');
    assert.equal(roles.length, 2, JSON.stringify(run.result.checks, null, 2));
    for (const r of roles) assert.equal(r.status, 'ok', JSON.stringify(r));
    assert.match(roles[0]!.summary, /whoami:read by "admin", "viewer"/);
  });

  it('the banner prints CLIENT_REDIRECT_URIS and where Inspector shows its redirect URI', async () => {
    const server = await spawnServer({ LOG_LEVEL: 'warn', DEV_IDP_PORT: '0', CLIENT_REDIRECT_URIS: MOVED });
    try {
      const banner = server.stderr();
      assert.match(banner, /Redirect URIs to register in Logto for your client \(CLIENT_REDIRECT_URIS\):\n {4}http:\/\/localhost:7274\/oauth\/callback\n/);
      assert.doesNotMatch(banner, /6274/);
      assert.match(banner, /Settings → OAuth Settings → Redirect URI/);
    } finally {
      server.kill();
    }
  });
});
