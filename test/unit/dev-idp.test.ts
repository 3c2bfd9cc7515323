import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { DEV_USERS, INSPECTOR_CLIENT_ID, startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';
import { authorizeDevUser, DevTokenError, exchangeDevCode, getDevToken } from '../../src/dev-idp/token-helper.js';

const RESOURCE = 'http://localhost:3001';
const alice = DEV_USERS.find((u) => u.username === 'alice')!;
const bob = DEV_USERS.find((u) => u.username === 'bob')!;

/** Records every log entry so tests can assert that no secret was logged. */
function recordingLogger() {
  const entries: string[] = [];
  const push = (obj: object, msg?: string): void => {
    entries.push(`${msg ?? ''} ${JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`);
  };
  return { entries, logger: { info: push, warn: push, error: push } };
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<DevTokenError> {
  const error = await promise.then(
    () => assert.fail(`expected a DevTokenError with code ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof DevTokenError, `expected DevTokenError, got ${String(error)}`);
  assert.equal(error.code, code);
  return error;
}

async function postForm(url: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('development IdP', () => {
  let idp: DevIdp;
  const { entries, logger } = recordingLogger();
  const secrets: string[] = [];

  before(async () => {
    idp = await startDevIdp({ port: 0, resources: { [RESOURCE]: ['whoami:read', 'whoami:admin'] }, logger });
  });

  after(async () => {
    await idp.close();
    const logs = entries.join('\n');
    for (const user of DEV_USERS) assert.ok(!logs.includes(user.password), 'a password was logged');
    for (const secret of secrets) assert.ok(!logs.includes(secret), 'a token or code was logged');
  });

  it('publishes a Logto-shaped discovery document under /oidc', async () => {
    const port = new URL(idp.origin).port;
    assert.notEqual(port, '0');
    assert.equal(idp.issuer, `http://localhost:${port}/oidc`);
    const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as Record<string, unknown>;
    assert.equal(doc.issuer, idp.issuer);
    const endpoints = {
      authorization_endpoint: '/auth',
      token_endpoint: '/token',
      userinfo_endpoint: '/me',
      jwks_uri: '/jwks',
      revocation_endpoint: '/token/revocation',
      introspection_endpoint: '/token/introspection',
      end_session_endpoint: '/session/end',
      registration_endpoint: '/reg',
    };
    for (const [key, path] of Object.entries(endpoints)) assert.equal(doc[key], `${idp.issuer}${path}`, key);
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['ES384']);
    assert.deepEqual(doc.response_types_supported, ['code']);
    for (const scope of ['openid', 'profile', 'email', 'offline_access']) {
      assert.ok((doc.scopes_supported as string[]).includes(scope), scope);
    }
  });

  it('serves the same document over 127.0.0.1, ::1 and Node fetch to localhost', async () => {
    const port = new URL(idp.origin).port;
    for (const base of [`http://localhost:${port}`, `http://127.0.0.1:${port}`]) {
      const doc = (await (await fetch(`${base}/oidc/.well-known/openid-configuration`)).json()) as { issuer: string; token_endpoint: string };
      assert.equal(doc.issuer, idp.issuer, base);
      assert.equal(doc.token_endpoint, `${idp.issuer}/token`, base);
    }
    const v6 = await fetch(`http://[::1]:${port}/oidc/jwks`).catch(() => undefined);
    if (v6) assert.equal(v6.status, 200); // hosts without IPv6 skip this leg
  });

  it('publishes one ES384 P-384 signing key', async () => {
    const { keys } = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: Array<Record<string, string>> };
    assert.equal(keys.length, 1);
    assert.equal(keys[0]?.alg, 'ES384');
    assert.equal(keys[0]?.crv, 'P-384');
    assert.ok(keys[0]?.kid);
    assert.equal(keys[0]?.d, undefined, 'private part must not be published');
  });

  it('without a resource issues an opaque token that works at /oidc/me', async () => {
    const tokens = await getDevToken({ issuer: idp.issuer, username: 'alice', password: alice.password });
    secrets.push(tokens.access_token);
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.access_token.split('.').length, 1, 'expected an opaque token');
    assert.ok(tokens.id_token);
    assert.equal(decodeProtectedHeader(tokens.id_token).alg, 'ES384');
    const res = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(res.status, 200);
    const claims = (await res.json()) as Record<string, unknown>;
    assert.equal(claims.sub, alice.sub);
    assert.match(String(claims.sub), /^[a-z0-9]{12}$/);
    assert.equal(claims.email, alice.email);
    assert.equal(claims.email_verified, true);
    assert.equal(claims.username, 'alice');
    assert.equal(claims.name, alice.name);
  });

  it('returns only the claims of the granted scopes at /oidc/me', async () => {
    const tokens = await getDevToken({ issuer: idp.issuer, username: 'bob', password: bob.password, scope: 'openid email' });
    const claims = (await (await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json()) as Record<string, unknown>;
    assert.equal(claims.sub, bob.sub);
    assert.equal(claims.email, bob.email);
    assert.equal(claims.email_verified, false);
    assert.equal(claims.username, undefined, 'profile was not granted');
  });

  it('for a registered resource issues an ES384 at+jwt that /oidc/me refuses', async () => {
    const tokens = await getDevToken({
      issuer: idp.issuer,
      username: 'alice',
      password: alice.password,
      resource: RESOURCE,
      scope: 'openid profile whoami:read',
    });
    secrets.push(tokens.access_token);
    const jwks = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: idp.issuer,
      audience: RESOURCE,
      algorithms: ['ES384'],
      typ: 'at+jwt',
    });
    assert.equal(protectedHeader.alg, 'ES384');
    assert.equal(protectedHeader.typ, 'at+jwt');
    assert.equal(payload.aud, RESOURCE, 'aud is the resource exactly as registered');
    assert.equal(payload.sub, alice.sub);
    assert.equal(payload.client_id, 'dev-cli');
    assert.equal(payload.scope, 'whoami:read', 'only the granted permission scopes of that resource');
    assert.ok(typeof payload.jti === 'string' && payload.jti.length > 0);
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 3600);

    const me = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(me.status, 401);
    assert.match(me.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  it('rejects an unregistered resource, including a trailing-slash variant, with invalid_target', async () => {
    for (const resource of ['http://localhost:9999', `${RESOURCE}/`]) {
      await rejectsWithCode(getDevToken({ issuer: idp.issuer, username: 'alice', password: alice.password, resource }), 'invalid_target');
    }
  });

  it('rejects a wrong password with a clear error that does not echo the password', async () => {
    const error = await rejectsWithCode(
      getDevToken({ issuer: idp.issuer, username: 'alice', password: 'not-the-password' }),
      'invalid_credentials',
    );
    assert.match(error.message, /alice/);
    assert.ok(!error.message.includes('not-the-password'));
  });

  it('answers a wrong password with the login form again (401), not a crash', async () => {
    const res = await fetch(
      `${idp.issuer}/auth?${new URLSearchParams({
        client_id: 'dev-cli',
        response_type: 'code',
        redirect_uri: 'http://127.0.0.1/callback',
        scope: 'openid',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      })}`,
      { redirect: 'manual' },
    );
    assert.equal(res.status, 303);
    const interaction = new URL(res.headers.get('location')!, idp.origin);
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const page = await fetch(interaction, { headers: { cookie } });
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(html, /DEVELOPMENT IdP — not Logto/);
    assert.match(html, /name="username"/);
    assert.match(html, /name="password"/);
    assert.match(html, />Sign in</);
    const login = await fetch(new URL(`${interaction.pathname}/login`, idp.origin), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=alice&password=wrong',
      redirect: 'manual',
    });
    assert.equal(login.status, 401);
    const again = await login.text();
    assert.match(again, /Wrong username or password/);
    assert.match(again, /value="alice"/);
  });

  it('issues a refresh token for offline_access that works once (rotation)', async () => {
    const tokens = await getDevToken({
      issuer: idp.issuer,
      username: 'alice',
      password: alice.password,
      resource: RESOURCE,
      scope: 'openid offline_access whoami:read',
    });
    assert.ok(tokens.refresh_token, 'refresh token issued');
    secrets.push(tokens.refresh_token);
    const refresh = (refresh_token: string) =>
      postForm(`${idp.issuer}/token`, { grant_type: 'refresh_token', refresh_token, client_id: 'dev-cli', resource: RESOURCE });

    const first = await refresh(tokens.refresh_token);
    assert.equal(first.status, 200);
    assert.equal(typeof first.body.access_token, 'string');
    assert.equal(typeof first.body.refresh_token, 'string');
    assert.notEqual(first.body.refresh_token, tokens.refresh_token, 'rotated');
    const { payload } = await jwtVerify(String(first.body.access_token), createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), {
      issuer: idp.issuer,
      audience: RESOURCE,
    });
    assert.equal(payload.scope, 'whoami:read');

    const reused = await refresh(tokens.refresh_token);
    assert.equal(reused.status, 400);
    assert.equal(reused.body.error, 'invalid_grant');
  });

  it('issues no refresh token without offline_access', async () => {
    const tokens = await getDevToken({ issuer: idp.issuer, username: 'bob', password: bob.password });
    assert.equal(tokens.refresh_token, undefined);
  });

  it('accepts an authorization code only once', async () => {
    const authorization = await authorizeDevUser({ issuer: idp.issuer, username: 'alice', password: alice.password });
    secrets.push(authorization.code);
    const tokens = await exchangeDevCode(authorization);
    assert.ok(tokens.access_token);
    await rejectsWithCode(exchangeDevCode(authorization), 'invalid_grant');
  });

  it('requires PKCE: no code_challenge is refused, and so is a code redeemed without or with a wrong verifier', async () => {
    const res = await fetch(
      `${idp.issuer}/auth?${new URLSearchParams({
        client_id: 'dev-cli',
        response_type: 'code',
        redirect_uri: 'http://127.0.0.1/callback',
        scope: 'openid',
        state: 'xyz',
      })}`,
      { redirect: 'manual' },
    );
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, 'http://127.0.0.1/callback');
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.equal(location.searchParams.get('code'), null);

    const noVerifier = await authorizeDevUser({ issuer: idp.issuer, username: 'alice', password: alice.password });
    const missing = await postForm(`${idp.issuer}/token`, {
      grant_type: 'authorization_code',
      code: noVerifier.code,
      redirect_uri: noVerifier.redirectUri,
      client_id: noVerifier.clientId,
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.access_token, undefined);

    const wrongVerifier = await authorizeDevUser({ issuer: idp.issuer, username: 'alice', password: alice.password });
    await rejectsWithCode(exchangeDevCode({ ...wrongVerifier, codeVerifier: 'x'.repeat(43) }), 'invalid_grant');
  });

  it('lets public clients register dynamically (RFC 7591) and use the flow', async () => {
    const res = await fetch(`${idp.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:6274' },
      body: JSON.stringify({
        client_name: 'Test MCP client',
        redirect_uris: ['http://localhost:7777/callback'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      }),
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:6274');
    const client = (await res.json()) as { client_id: string; client_secret?: string; token_endpoint_auth_method: string };
    assert.ok(client.client_id);
    assert.equal(client.client_secret, undefined);
    assert.equal(client.token_endpoint_auth_method, 'none');

    const tokens = await getDevToken({
      issuer: idp.issuer,
      username: 'bob',
      password: bob.password,
      clientId: client.client_id,
      redirectUri: 'http://localhost:7777/callback',
      resource: RESOURCE,
      scope: 'whoami:read',
    });
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), { audience: RESOURCE });
    assert.equal(payload.client_id, client.client_id);
    assert.equal(payload.sub, bob.sub);
  });

  it('answers CORS preflights from the MCP Inspector for /reg and /token, and not from a foreign origin', async () => {
    const preflight = (path: string, origin: string) =>
      fetch(`${idp.issuer}${path}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    for (const path of ['/reg', '/token']) {
      const res = await preflight(path, 'http://localhost:6274');
      assert.equal(res.status, 204, path);
      assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:6274', path);
    }
    const foreign = await preflight('/reg', 'https://evil.example');
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  });

  it('lets the pre-registered mcp-inspector client sign in with its redirect URI', async () => {
    const tokens = await getDevToken({
      issuer: idp.issuer,
      username: 'alice',
      password: alice.password,
      clientId: INSPECTOR_CLIENT_ID,
      redirectUri: 'http://localhost:6274/oauth/callback',
      resource: RESOURCE,
      scope: 'openid offline_access whoami:read',
    });
    assert.ok(tokens.refresh_token);
  });

  it('refuses requests addressed to a non-loopback Host (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${idp.origin}/oidc/.well-known/openid-configuration`, { headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 421);
  });
});

describe('startDevIdp safety and lifecycle', () => {
  const silent = { info() {}, warn() {}, error() {} };

  it('refuses a non-loopback host', async () => {
    for (const host of ['0.0.0.0', '192.168.1.10', '::', 'example.com']) {
      await assert.rejects(startDevIdp({ host, port: 0, resources: {}, logger: silent }), /loopback/, host);
    }
  });

  it('refuses to run when NODE_ENV=production', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await assert.rejects(startDevIdp({ port: 0, resources: {}, logger: silent }), /production/);
    } finally {
      if (previous === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = previous;
    }
  });

  it('warns loudly at start', async () => {
    const warnings: string[] = [];
    const idp = await startDevIdp({ port: 0, resources: {}, logger: { ...silent, warn: (_o, msg) => warnings.push(msg ?? '') } });
    await idp.close();
    assert.ok(warnings.some((w) => /DEVELOPMENT/.test(w) && /production/i.test(w)));
  });

  it('applies accessTokenTtlSeconds to opaque and JWT access tokens', async () => {
    const idp = await startDevIdp({ port: 0, resources: { [RESOURCE]: ['whoami:read'] }, accessTokenTtlSeconds: 120, logger: silent });
    try {
      const opaque = await getDevToken({ issuer: idp.issuer, username: 'bob', password: bob.password });
      assert.equal(opaque.expires_in, 120);
      const jwt = await getDevToken({ issuer: idp.issuer, username: 'bob', password: bob.password, resource: RESOURCE, scope: 'whoami:read' });
      assert.equal(jwt.expires_in, 120);
      const { payload } = await jwtVerify(jwt.access_token, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), { audience: RESOURCE });
      assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 120);
    } finally {
      await idp.close();
    }
  });

  it('frees the port on close even with a keep-alive connection open', async () => {
    const idp = await startDevIdp({ port: 0, resources: {}, logger: silent });
    const port = Number(new URL(idp.origin).port);
    await fetch(`${idp.issuer}/jwks`, { headers: { connection: 'keep-alive' } }).then((r) => r.text());
    const started = Date.now();
    await idp.close();
    assert.ok(Date.now() - started < 1000, 'close() is quick');
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
});
