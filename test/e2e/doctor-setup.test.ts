/**
 * `--doctor` and `--setup` against the dev IdP's Logto-shaped Management API, set up wrongly on
 * purpose: API identifiers that miss an announced resource (…/mcp, …/sse) by a trailing slash, the
 * scheme, the port, or by naming the whole server (the origin-only identifier of before); a missing
 * permission; an app without MCP Inspector's redirect URIs; apps of the wrong type. Then setup on a
 * fresh port: it creates both API resources, a second run creates nothing, and doctor passes; and
 * MCP_RESOURCE's single-resource mode: one API resource, and a warning. All
 * real HTTP on 127.0.0.1, through the same command the entry point runs.
 */
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { runSetup } from '../../src/tenant/setup/index.js';
import { DEV_USERS, getDevToken, startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';
import { freePort } from '../support/harness.js';
import { doctorJson, runTenant, type DoctorJson } from '../support/tenant-command.js';

interface SetupJson {
  changes: string[];
  appId?: string;
}

const silent = { info() {}, warn() {}, error() {} };
const alice = DEV_USERS.find((u) => u.username === 'alice')!;

describe('doctor and setup against the dev IdP', () => {
  let idp: DevIdp;
  // Each scenario has its own port, so its resource is its own: `wrong*` are registered wrongly on purpose.
  let ports: { slash: number; scheme: number; port: number; portTarget: number; origin: number; fresh: number; created: number; single: number; good: number };

  before(async () => {
    ports = {
      slash: await freePort(),
      scheme: await freePort(),
      port: await freePort(),
      portTarget: await freePort(),
      origin: await freePort(),
      fresh: await freePort(),
      created: await freePort(),
      single: await freePort(),
      good: await freePort(),
    };
    idp = await startDevIdp({
      port: 0,
      logger: silent,
      resources: {
        // The server announces http://localhost:<port>/mcp and …/sse.
        [`http://localhost:${ports.slash}/mcp/`]: ['whoami:read'], // announced without the slash
        [`https://localhost:${ports.scheme}/mcp`]: ['whoami:read'], // announced as http
        [`http://localhost:${ports.port}/mcp`]: ['whoami:read'], // announced on portTarget
        [`http://localhost:${ports.origin}/`]: ['whoami:read'], // the origin-only identifier of single-resource mode
        [`http://localhost:${ports.good}/mcp`]: ['whoami:read'],
        [`http://localhost:${ports.good}/sse`]: ['whoami:read'],
      },
    });
  });
  after(async () => {
    await idp?.close();
  });

  const envFor = (port: number, extra: Record<string, string> = {}) => ({
    LOGTO_ENDPOINT: idp.origin,
    PUBLIC_URL: `http://localhost:${port}`,
    LOGTO_M2M_APP_ID: idp.m2m.appId,
    LOGTO_M2M_APP_SECRET: idp.m2m.appSecret,
    LOGTO_MANAGEMENT_API_RESOURCE: idp.m2m.resource,
    ...extra,
  });

  async function doctor(env: Record<string, string>, ...args: string[]): Promise<{ code: number; result: DoctorJson }> {
    const r = await doctorJson(env, ...args);
    assert.equal(r.err, '');
    return r;
  }
  const check = (result: DoctorJson, id: string) => result.checks.find((c) => c.id === id);
  const checks = (result: DoctorJson, id: string) => result.checks.filter((c) => c.id === id);

  for (const [name, key, registered, reason] of [
    ['a trailing slash', 'slash', (p: typeof ports) => `http://localhost:${p.slash}/mcp/`, /trailing slash/],
    ['the scheme', 'scheme', (p: typeof ports) => `https://localhost:${p.scheme}/mcp`, /scheme/],
    ['the port', 'portTarget', (p: typeof ports) => `http://localhost:${p.port}/mcp`, /port/],
    ['naming the whole server', 'origin', (p: typeof ports) => `http://localhost:${p.origin}/`, /whole server, not the endpoint \/mcp/],
  ] as const) {
    it(`an API identifier that misses the /mcp resource by ${name}: fail, and the near miss is named`, async () => {
      const { code, result } = await doctor(envFor(ports[key]));
      assert.equal(code, 1);
      const [mcp, sse] = checks(result, 'tenant.api_resource');
      assert.equal(mcp?.status, 'fail');
      const expected = registered(ports);
      assert.ok(mcp?.details?.some((d) => d.includes(expected) && reason.test(d)), JSON.stringify(mcp));
      assert.ok(mcp?.fix?.includes(`API identifier: http://localhost:${ports[key]}/mcp `), 'the fix names the identifier to create');
      assert.equal(sse?.status, 'fail', '/sse has its own API resource, missing too');
      assert.ok(sse?.fix?.includes(`API identifier: http://localhost:${ports[key]}/sse `));
    });
  }

  it('all good: both API resources exist, with their permission, and the app lists the Inspector redirect URIs', async () => {
    const { code, result } = await doctor(envFor(ports.good, { REQUIRED_SCOPES: 'whoami:read' }), '--app-id', 'mcp-inspector');
    assert.equal(code, 0, JSON.stringify(result.checks, null, 2));
    for (const id of ['issuer.discovery', 'issuer.jwks', 'issuer.cimd', 'm2m.token', 'tenant.api_resource', 'tenant.permissions', 'tenant.app']) {
      assert.ok(checks(result, id).length > 0 && checks(result, id).every((c) => c.status === 'ok'), id);
    }
    assert.deepEqual(
      checks(result, 'tenant.api_resource').map((c) => c.summary.split(' ').at(-1)),
      [`http://localhost:${ports.good}/mcp`, `http://localhost:${ports.good}/sse`],
    );
    assert.equal(checks(result, 'tenant.permissions').length, 2);
  });

  it('a REQUIRED_SCOPES permission the API resource lacks: fail', async () => {
    const { code, result } = await doctor(envFor(ports.good, { REQUIRED_SCOPES: 'whoami:read whoami:admin' }));
    assert.equal(code, 1);
    assert.equal(check(result, 'tenant.permissions')?.status, 'fail');
    assert.match(check(result, 'tenant.permissions')?.fix ?? '', /whoami:admin/);
  });

  it('an app without the Inspector redirect URIs, a confidential app, the M2M app, an unknown app: fail', async () => {
    const env = envFor(ports.good);
    const native = await doctor(env, '--app-id', 'dev-cli');
    assert.equal(native.code, 1);
    assert.equal(check(native.result, 'tenant.app')?.status, 'fail');
    assert.ok(check(native.result, 'tenant.app')?.details?.some((d) => d.includes('http://localhost:6274/oauth/callback')));

    // A Traditional web app (confidential), created through the dev IdP's Management API.
    const token = await m2mToken();
    const res = await fetch(`${idp.origin}/api/applications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'A web backend', type: 'Traditional', oidcClientMetadata: { redirectUris: ['http://localhost:6274/oauth/callback', 'http://127.0.0.1:6276/oauth/callback'], postLogoutRedirectUris: [] } }),
    });
    assert.equal(res.status, 200);
    const traditional = (await res.json()) as { id: string };
    const wrongType = await doctor(env, '--app-id', traditional.id);
    assert.equal(check(wrongType.result, 'tenant.app')?.status, 'fail');
    assert.match(check(wrongType.result, 'tenant.app')?.summary ?? '', /Traditional web app/);

    assert.equal(check((await doctor(env, '--app-id', idp.m2m.appId)).result, 'tenant.app')?.status, 'fail');
    assert.equal(check((await doctor(env, '--app-id', 'no-such-app')).result, 'tenant.app')?.status, 'fail');
  });

  it('wrong M2M credentials: m2m.token fails and the secret is never printed', async () => {
    const env = { ...envFor(ports.good), LOGTO_M2M_APP_SECRET: 'wrong-secret-canary-1234567890' };
    const r = await runTenant(['--doctor'], env);
    assert.equal(r.code, 1);
    assert.match(r.out, /\[FAIL\] Management API/);
    assert.ok(!r.out.includes('wrong-secret-canary') && !r.out.includes(idp.m2m.appSecret));
  });

  it('setup: --dry-run changes nothing; the first run creates the resource and permission and reuses the app that serves MCP Inspector; the second changes nothing; doctor passes', async () => {
    const env = envFor(ports.fresh);
    assert.equal((await doctor(env)).code, 1);
    const dry = await runTenant(['--setup', '--dry-run', '--json'], env);
    assert.equal(dry.code, 0, dry.err);
    // Two API resources (…/mcp, …/sse), a permission on each; the pre-registered Inspector app is reused.
    assert.equal((JSON.parse(dry.out) as SetupJson).changes.length, 4, dry.out);
    assert.equal(check((await doctor(env)).result, 'tenant.api_resource')?.status, 'fail', 'the dry run changed nothing');

    const first = await runTenant(['--setup', '--json'], env);
    assert.equal(first.code, 0, first.err);
    const created = JSON.parse(first.out) as SetupJson;
    assert.equal(created.changes.length, 4, first.out);
    assert.ok(created.changes.some((c) => c.includes(`(http://localhost:${ports.fresh}/mcp)`)), first.out);
    assert.ok(created.changes.some((c) => c.includes(`(http://localhost:${ports.fresh}/sse)`)), first.out);
    assert.equal(created.appId, 'mcp-inspector', 'the pre-registered app already lists the Inspector redirect URIs');
    const second = await runTenant(['--setup', '--json'], env);
    assert.deepEqual((JSON.parse(second.out) as SetupJson).changes, []);

    const after = await doctor({ ...env, REQUIRED_SCOPES: 'whoami:read' }, '--app-id', created.appId!);
    assert.equal(after.code, 0, JSON.stringify(after.result.checks, null, 2));
  });

  it('setup for redirect URIs no app lists: creates a Single page app once, which then signs alice in for the new resource', async () => {
    const redirectUri = 'http://localhost:33418/oauth/callback';
    const config = loadConfig(envFor(ports.created));
    const first = await runSetup(config, { dryRun: false, redirectUris: [redirectUri] });
    assert.ok(first.changes.some((c) => /created Single page app/.test(c)), first.changes.join('\n'));
    const second = await runSetup(config, { dryRun: false, redirectUris: [redirectUri] });
    assert.deepEqual(second.changes, []);
    assert.equal(second.appId, first.appId);

    for (const endpoint of ['mcp', 'sse']) {
      const tokens = await getDevToken({
        issuer: idp.issuer,
        username: alice.username,
        password: alice.password,
        clientId: first.appId!,
        redirectUri,
        resource: `http://localhost:${ports.created}/${endpoint}`,
        scope: 'openid whoami:read',
      });
      const payload = decodeJwt(tokens.access_token);
      assert.equal(payload['aud'], `http://localhost:${ports.created}/${endpoint}`, 'setup creates the endpoint\'s identifier');
      assert.equal(payload['scope'], 'whoami:read', 'with the same permission');
      assert.equal(payload['client_id'], first.appId);
    }
  });

  it('MCP_RESOURCE (single-resource mode): setup creates that one API resource and no MCP_RESOURCE-less line; doctor passes it but warns which clients cannot sign in', async () => {
    const resource = `http://localhost:${ports.single}/`;
    const env = envFor(ports.single, { MCP_RESOURCE: resource });
    const setup = await runTenant(['--setup', '--json'], env);
    assert.equal(setup.code, 0, setup.err);
    const report = JSON.parse(setup.out) as SetupJson & { resources: string[]; env: string[] };
    assert.deepEqual(report.resources, [resource]);
    assert.deepEqual(report.changes.filter((c) => c.startsWith('created API resource')), [`created API resource "MCP server (logto-whoami-mcp)" (${resource})`]);
    assert.ok(report.env.includes(`MCP_RESOURCE=${resource}`), 'kept: without it the server would announce …/mcp and …/sse');
    const { code, result } = await doctor(env);
    assert.equal(code, 0, JSON.stringify(result.checks, null, 2));
    assert.deepEqual(checks(result, 'tenant.api_resource').map((c) => c.status), ['ok']);
    const warning = check(result, 'config.single_resource');
    assert.equal(warning?.status, 'warn');
    assert.match(warning?.summary ?? '', /Gemini CLI cannot sign in.*AI SDK/);
    // Without MCP_RESOURCE the same port's setup output names no MCP_RESOURCE line.
    const dry = JSON.parse((await runTenant(['--setup', '--dry-run', '--json'], envFor(ports.single))).out) as { env: string[] };
    assert.ok(!dry.env.some((l) => l.startsWith('MCP_RESOURCE=')), dry.env.join('\n'));
  });

  async function m2mToken(): Promise<string> {
    const res = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: idp.m2m.appId, client_secret: idp.m2m.appSecret, resource: idp.m2m.resource, scope: 'all' }),
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { access_token: string }).access_token;
  }
});
