/**
 * `--doctor` and `--setup` against the real Logto: doctor names what is missing, setup creates it
 * (a second run creates nothing), doctor then passes; and doctor catches a near-miss API identifier,
 * a missing permission, an app without MCP Inspector's redirect URIs and an app of the wrong type.
 * Each case uses its own resource URL, so the suite's shared tenant keeps what other files set up.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { doctorJson, runTenant, type DoctorJson } from '../support/tenant-command.js';
import { logtoHooks } from './support/hooks.js';
import { REPO_ROOT } from './support/logto.js';
import { managementApi, must } from './support/tenant.js';

interface SetupJson {
  changes: string[];
  appId?: string;
  env: string[];
}

/** A port nothing listens on: doctor and setup never call the MCP server, only Logto. */
let nextPort = 47_100 + (process.pid % 500);
const newBase = () => `http://localhost:${nextPort++}`;

describe('doctor and setup against the real Logto', () => {
  const fixture = logtoHooks();

  const envFor = (base: string, extra: Record<string, string> = {}) => ({
    LOGTO_ENDPOINT: fixture.suite.logto.endpoint,
    PUBLIC_URL: base,
    LOGTO_M2M_APP_ID: fixture.suite.logto.m2mAppId,
    LOGTO_M2M_APP_SECRET: fixture.suite.logto.m2mAppSecret,
    LOGTO_MANAGEMENT_API_RESOURCE: fixture.suite.logto.managementApiResource,
    ...extra,
  });


  const statusOf = (result: DoctorJson, id: string) => result.checks.find((c) => c.id === id)?.status;

  it('doctor fails on a fresh resource; setup --dry-run plans without changing; setup creates; a second setup changes nothing; doctor then passes', async () => {
    const env = envFor(newBase());
    const before = await doctorJson(env);
    assert.equal(before.code, 1);
    assert.equal(statusOf(before.result, 'issuer.discovery'), 'ok');
    assert.equal(statusOf(before.result, 'issuer.jwks'), 'ok');
    assert.equal(statusOf(before.result, 'm2m.token'), 'ok');
    assert.equal(statusOf(before.result, 'tenant.api_resource'), 'fail');
    assert.ok(statusOf(before.result, 'issuer.cimd'), 'Dynamic apps are reported');

    const dry = await runTenant(['--setup', '--dry-run', '--json'], env);
    assert.equal(dry.code, 0, dry.err);
    assert.ok((JSON.parse(dry.out) as SetupJson).changes.length >= 4, 'the plan names both API resources (…/mcp, …/sse) and a permission on each');
    assert.equal(statusOf((await doctorJson(env)).result, 'tenant.api_resource'), 'fail', 'a dry run changes nothing');

    const first = await runTenant(['--setup', '--json'], env);
    assert.equal(first.code, 0, first.err);
    const created = JSON.parse(first.out) as SetupJson;
    for (const endpoint of ['mcp', 'sse']) {
      assert.ok(created.changes.some((c) => c.startsWith('created API resource') && c.includes(`/${endpoint})`)), `${endpoint}: ${first.out}`);
      assert.ok(created.changes.some((c) => c.startsWith('created permission whoami:read') && c.endsWith(`/${endpoint}`)), `${endpoint}: ${first.out}`);
    }
    assert.ok(created.appId, 'an app for MCP Inspector');
    assert.ok(!first.out.includes(fixture.suite.logto.m2mAppSecret), 'the M2M secret is never printed');

    const second = await runTenant(['--setup', '--json'], env);
    assert.equal(second.code, 0, second.err);
    assert.deepEqual((JSON.parse(second.out) as SetupJson).changes, [], 'the second run creates nothing');
    assert.equal((JSON.parse(second.out) as SetupJson).appId, created.appId, 'and finds the same app');

    // Setup creates the permissions but grants them to nobody (that is the user's step): doctor says so
    // (tenant.roles, test/logto/doctor-roles.test.ts) and passes everything else.
    const after = await doctorJson({ ...env, REQUIRED_SCOPES: 'whoami:read' }, '--app-id', created.appId!);
    const failed = after.result.checks.filter((c) => c.status === 'fail');
    assert.deepEqual(failed.map((c) => c.id), ['tenant.roles', 'tenant.roles'], JSON.stringify(after.result.checks, null, 2));
    for (const id of ['tenant.api_resource', 'tenant.permissions', 'tenant.app']) {
      const checks = after.result.checks.filter((c) => c.id === id);
      assert.ok(checks.length > 0 && checks.every((c) => c.status === 'ok'), id);
    }
    assert.equal(after.result.checks.filter((c) => c.id === 'tenant.api_resource').length, 2, 'one per endpoint');
  });

  it('doctor names near-miss API identifiers (a trailing slash; the whole server, as before per-endpoint resources) and fails', async () => {
    const base = newBase();
    const api = managementApi(fixture.suite.logto);
    must('POST /api/resources', await api.POST('/api/resources', { body: { name: 'doctor near miss (slash)', indicator: `${base}/mcp/` } }));
    must('POST /api/resources', await api.POST('/api/resources', { body: { name: 'doctor near miss (origin)', indicator: `${base}/` } }));
    const { code, result } = await doctorJson(envFor(base));
    assert.equal(code, 1);
    const [mcp, sse] = result.checks.filter((c) => c.id === 'tenant.api_resource');
    assert.equal(mcp?.status, 'fail');
    assert.ok(mcp?.details?.some((d) => d.includes(`${base}/mcp/`) && /trailing slash too many/.test(d)), JSON.stringify(mcp));
    assert.ok(mcp?.details?.some((d) => d.includes(`${base}/:`) && /whole server/.test(d)), JSON.stringify(mcp));
    assert.ok(mcp?.fix?.includes(`API identifier: ${base}/mcp `), 'the fix names the identifier to create');
    assert.equal(sse?.status, 'fail');
    assert.ok(sse?.details?.some((d) => d.includes(`${base}/:`) && /whole server, not the endpoint \/sse/.test(d)), JSON.stringify(sse));
  });

  it('doctor: a REQUIRED_SCOPES permission the API resource lacks fails', async () => {
    const env = envFor(newBase(), { REQUIRED_SCOPES: 'whoami:read whoami:admin' });
    assert.equal((await runTenant(['--setup', '--json'], { ...env, REQUIRED_SCOPES: 'whoami:read' })).code, 0);
    const { code, result } = await doctorJson(env);
    assert.equal(code, 1);
    const check = result.checks.find((c) => c.id === 'tenant.permissions');
    assert.equal(check?.status, 'fail');
    assert.match(check?.summary ?? '', /whoami:admin/);
    assert.doesNotMatch(check?.fix ?? '', /whoami:read/, 'only the missing permission is named');
  });

  it('doctor --app-id: an app without the Inspector redirect URIs, and an app of the wrong type, fail', async () => {
    const env = envFor(newBase());
    assert.equal((await runTenant(['--setup', '--json'], env)).code, 0);
    // The suite's Native app for the CLI lists only its loopback redirect.
    const native = await doctorJson(env, '--app-id', fixture.suite.tenant.cliApp.id);
    assert.equal(native.code, 1);
    const missing = native.result.checks.find((c) => c.id === 'tenant.app');
    assert.equal(missing?.status, 'fail');
    assert.ok(missing?.details?.some((d) => d.includes('http://localhost:6274/oauth/callback')), JSON.stringify(missing));
    // The machine-to-machine app cannot sign a person in.
    const m2m = await doctorJson(env, '--app-id', fixture.suite.logto.m2mAppId);
    assert.equal(statusOf(m2m.result, 'tenant.app'), 'fail');
    assert.match(m2m.result.checks.find((c) => c.id === 'tenant.app')?.summary ?? '', /Machine-to-machine/);
    const unknown = await doctorJson(env, '--app-id', 'no-such-app-id');
    assert.equal(statusOf(unknown.result, 'tenant.app'), 'fail');
  });

  it('node src/index.ts --doctor: the real entry point prints the checklist and exits 0 when all holds, 1 otherwise', async () => {
    const env = envFor(newBase());
    const created = JSON.parse((await runTenant(['--setup', '--json'], env)).out) as SetupJson;
    const spawnDoctor = (extra: Record<string, string>, args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts', '--doctor', ...args], {
          cwd: REPO_ROOT,
          env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env, ...extra },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.once('error', reject);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      });
    const good = await spawnDoctor({}, ['--app-id', created.appId!]);
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /All checks passed/);
    const bad = await spawnDoctor({ REQUIRED_SCOPES: 'not:there' }, []);
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, /\[FAIL\].*not:there/);
    assert.ok(!good.out.includes(fixture.suite.logto.m2mAppSecret) && !bad.out.includes(fixture.suite.logto.m2mAppSecret), 'no secret in the output');
  });
});
