/**
 * Fidelity of the dev IdP: the same observations (test/logto/support/observe.ts) against the dev IdP and
 * the real Logto 1.37.1. Every difference must be listed in KNOWN_DIFFERENCES with its reason; an
 * unlisted difference fails, and so does a listed one that no longer differs (the list stays true).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { authorizeHeadless } from '../support/authorize-headless.js';
import { password, startTestServer } from '../support/harness.js';
import { logtoServerHooks } from './support/hooks.js';
import { observe, type Observations } from './support/observe.js';
import { signInAtLogto } from './support/sign-in.js';
import { INSPECTOR_APP_REDIRECT_URIS, WHOAMI_SCOPE } from './support/tenant.js';

/** Observation → why the dev IdP answers differently from Logto (and why that is acceptable). */
export const KNOWN_DIFFERENCES: Record<string, string> = {
  'discovery: registration_endpoint path':
    'Logto has no dynamic client registration; the dev IdP keeps RFC 7591 open as a development convenience (src/dev-idp/README.md: "real Logto lacks it").',
  'discovery: response_types_supported':
    'Logto advertises implicit and hybrid response types too; the dev IdP offers only `code` (OAuth 2.1, all MCP clients use it). Our server reads neither.',
  'discovery: grant_types_supported':
    'Logto also advertises implicit and token exchange; the dev IdP offers authorization_code, refresh_token and client_credentials (its M2M app for the Management API). MCP clients need authorization_code + refresh_token, which both list.',
  'discovery: request_parameter_supported':
    "Logto says `false`; oidc-provider 9 omits it, which RFC 8414 §2 defines as false. Same meaning.",
  'discovery: client_id_metadata_document_supported':
    'Logto 1.37.1 has no Dynamic apps (Client ID Metadata Documents; newer Logto has them, off by default); the dev IdP accepts them the way Logto\'s Dynamic apps behave, so 2026-era clients can be tested offline. Doctor reports the setting of a tenant (issuer.cimd).',
  'id token: header alg/typ': "Logto's oidc-provider fork sets `typ: JWT` on ID tokens, oidc-provider 9 sets none. Nothing here reads ID token headers.",
  'id token: claims':
    "Logto's ID token from the token endpoint carries `at_hash`, oidc-provider 9 adds it only to front-channel ID tokens. Nothing here reads at_hash.",
  'userinfo without a token':
    'Logto (its oidc-provider fork) answers 400 invalid_request, oidc-provider 9 answers 401 with a challenge (RFC 6750 §3.1). Our server never calls userinfo without a token.',
};

describe('dev IdP fidelity: the same observations against the dev IdP and the real Logto', () => {
  const fixture = logtoServerHooks();
  let devServer: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    devServer = await startTestServer({ LOG_LEVEL: 'silent' });
  });
  after(async () => {
    await devServer?.close();
  });

  it('differs from Logto only where KNOWN_DIFFERENCES says why', async () => {
    const { suite, server: logtoServer } = fixture;
    const redirectUri = INSPECTOR_APP_REDIRECT_URIS[1]!;
    const logto = await observe({
      name: 'logto',
      issuer: suite.logto.issuer,
      clientId: suite.tenant.inspectorApp.id,
      redirectUri,
      user: suite.tenant.alice,
      resource: logtoServer.advertisedResource,
      resourceScope: WHOAMI_SCOPE,
      authorize: (url, redirect, user) => signInAtLogto(url, redirect, user),
    });
    const dev = await observe({
      name: 'dev-idp',
      issuer: devServer.issuer,
      clientId: 'mcp-inspector',
      redirectUri,
      user: { username: 'alice', password: password('alice') },
      resource: devServer.resources.mcp,
      resourceScope: WHOAMI_SCOPE,
      authorize: (url, redirect, user) => authorizeHeadless(url, redirect, user),
    });
    const keys = [...new Set([...Object.keys(logto), ...Object.keys(dev)])].sort();
    const differing = keys.filter((key) => JSON.stringify(logto[key] ?? 'not observed') !== JSON.stringify(dev[key] ?? 'not observed'));
    const report = (list: string[]) =>
      list.map((key) => `  ${key}\n    logto:   ${JSON.stringify(logto[key] ?? 'not observed')}\n    dev IdP: ${JSON.stringify(dev[key] ?? 'not observed')}`).join('\n');
    if (process.env['FIDELITY_PRINT']) writeFileSync(process.env['FIDELITY_PRINT'], JSON.stringify({ logto, dev } satisfies Record<string, Observations>, null, 1));
    const unlisted = differing.filter((key) => !(key in KNOWN_DIFFERENCES));
    assert.deepEqual(unlisted, [], `differences not in KNOWN_DIFFERENCES:\n${report(unlisted)}`);
    const stale = Object.keys(KNOWN_DIFFERENCES).filter((key) => !differing.includes(key));
    assert.deepEqual(stale, [], `KNOWN_DIFFERENCES lists what no longer differs:\n${report(stale)}`);
  });
});
