import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DEV_USERS, INSPECTOR_CLIENT_ID, startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';
import { CookieJar } from '../../src/dev-idp/cookie-jar.js';
import { authorizeDevUser, getDevToken } from '../../src/dev-idp/token-helper.js';

const RESOURCE = 'http://localhost:3001';
const alice = DEV_USERS.find((u) => u.username === 'alice')!;
const silent = { info() {}, warn() {}, error() {} };

/** A user-agent that follows nothing by itself: each step is asserted, like a person clicking through. */
class Agent {
  readonly jar = new CookieJar();
  constructor(readonly origin: string) {}

  async request(url: string | URL, init: { method?: string; form?: Record<string, string> } = {}) {
    const headers: Record<string, string> = {};
    const cookie = this.jar.header();
    if (cookie) headers.cookie = cookie;
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(new URL(url, this.origin), {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      redirect: 'manual',
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    this.jar.store(res.headers);
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  }
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('development IdP, step by step like a browser', () => {
  let idp: DevIdp;
  before(async () => {
    idp = await startDevIdp({ port: 0, resources: { [RESOURCE]: ['whoami:read'] }, logger: silent });
  });
  after(() => idp.close());

  it('shows login then consent, and Deny sends access_denied back to the client', async () => {
    const agent = new Agent(idp.origin);
    const auth = new URL(`${idp.issuer}/auth`);
    auth.search = new URLSearchParams({
      client_id: 'dev-cli',
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1/callback',
      scope: 'openid profile whoami:read',
      resource: RESOURCE,
      state: 'state-123',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    }).toString();

    const start = await agent.request(auth);
    assert.equal(start.status, 303);
    assert.match(start.location ?? '', /^\/interaction\/[\w-]+$/);

    const login = await agent.request(start.location!);
    assert.equal(login.status, 200);
    assert.match(login.html, /DEVELOPMENT IdP — not Logto/);
    assert.match(login.html, /alice-password/, 'demo users hint');
    const loginAction = /action="([^"]+\/login)"/.exec(login.html)?.[1];
    assert.ok(loginAction);

    const signedIn = await agent.request(loginAction, { form: { username: 'alice', password: alice.password } });
    assert.equal(signedIn.status, 303);
    let next = signedIn.location!;
    let consent = await agent.request(next);
    while (consent.status === 303 && consent.location) {
      next = consent.location;
      consent = await agent.request(next);
    }
    assert.equal(consent.status, 200);
    assert.match(consent.html, />Authorize</);
    assert.match(consent.html, />Deny</);
    assert.match(consent.html, /whoami:read/);
    assert.match(consent.html, /http:\/\/localhost:3001/);
    const confirmAction = /action="([^"]+\/confirm)"/.exec(consent.html)?.[1];
    assert.ok(confirmAction);

    let res = await agent.request(confirmAction, { form: { decision: 'deny' } });
    while (res.status === 303 && res.location && !res.location.startsWith('http://127.0.0.1/callback')) {
      res = await agent.request(res.location);
    }
    assert.equal(res.status, 303);
    const callback = new URL(res.location!);
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('state'), 'state-123');
    assert.equal(callback.searchParams.get('iss'), idp.issuer);
    assert.equal(callback.searchParams.get('code'), null);
  });

  it('answers an interaction URL without its cookie with an error page, not a crash', async () => {
    const res = await new Agent(idp.origin).request('/interaction/does-not-exist');
    assert.equal(res.status, 400);
    assert.match(res.html, /<meta name="oauth-error" content="invalid_request">/);
    const stillUp = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    assert.equal(stillUp.status, 200);
  });

  it('allows the MCP Inspector origin on the actual token request (clientBasedCORS)', async () => {
    const a = await authorizeDevUser({
      issuer: idp.issuer,
      username: 'alice',
      password: alice.password,
      clientId: INSPECTOR_CLIENT_ID,
      redirectUri: 'http://localhost:6274/oauth/callback',
    });
    const res = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:6274' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: a.code,
        code_verifier: a.codeVerifier,
        redirect_uri: a.redirectUri,
        client_id: a.clientId,
      }).toString(),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:6274');
  });

  it('introspects and revokes a client its own token', async () => {
    const tokens = await getDevToken({ issuer: idp.issuer, username: 'alice', password: alice.password });
    const post = (path: string, form: Record<string, string>) =>
      fetch(`${idp.issuer}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    const active = (await (await post('/token/introspection', { token: tokens.access_token, client_id: 'dev-cli' })).json()) as Record<string, unknown>;
    assert.equal(active.active, true);
    assert.equal(active.sub, alice.sub);

    const revoked = await post('/token/revocation', { token: tokens.access_token, client_id: 'dev-cli' });
    assert.equal(revoked.status, 200);
    const me = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(me.status, 401);
    const inactive = (await (await post('/token/introspection', { token: tokens.access_token, client_id: 'dev-cli' })).json()) as Record<string, unknown>;
    assert.equal(inactive.active, false);
  });

  it('serves the end-session endpoint', async () => {
    const res = await fetch(`${idp.issuer}/session/end`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /\/oidc\/session\/end\/confirm/);
  });

  it('answers unknown paths with a CORS-readable 404 (RFC 8414 probing by browser clients)', async () => {
    const res = await fetch(`${idp.origin}/.well-known/oauth-authorization-server/oidc`, { headers: { origin: 'http://localhost:6274' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  });
});
