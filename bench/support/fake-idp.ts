import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * How an endpoint of the fake IdP behaves.
 * - ok: answers properly
 * - down: destroys the socket without answering
 * - hang: never answers (until the IdP closes)
 * - slow: answers properly after `slowMs`
 * - 500 / 502 / 404: that status with a JSON body
 * - html: 200 with an HTML page
 * - huge: 200 streaming up to 64 MiB of a JSON string, as long as the client reads
 * - redirect: 302 to an attacker-looking URL
 * - redirect-307: 307 (the method and body must be re-sent as they are) to `redirectTo`
 * - echo: the credential the request carried, echoed back — the token endpoint answers 401 with the
 *   client secret in its status text and body; any other endpoint answers 200 with the bearer token
 *   in its status text and in the Management API's answers (the user's `name`, a role's name)
 * - not-object: 200 with a JSON array
 */
export type Fault = 'ok' | 'down' | 'hang' | 'slow' | '401' | '500' | '502' | '404' | 'html' | 'huge' | 'redirect' | 'redirect-307' | 'echo' | 'not-object';

/** `token`: client credentials at /oidc/token; `management`: the Management API under /api. */
type Endpoint = 'discovery' | 'jwks' | 'userinfo' | 'token' | 'management';

/** What the fake Management API answers for a user (Logto shapes, see src/dev-idp/management/users.ts). */
export interface FakeManagementUser {
  user: Record<string, unknown>;
  roles: Array<Record<string, unknown>>;
  organizations: Array<Record<string, unknown>>;
}

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** Claims /oidc/me answers for an opaque token; a function sees how often it was asked. */
export type UserinfoAnswer = Record<string, unknown> | ((call: number) => Record<string, unknown>);

export interface FakeIdp {
  /** LOGTO_ENDPOINT for the server under test. */
  readonly url: string;
  /** `${url}/oidc` */
  readonly issuer: string;
  fault: Record<Endpoint, Fault>;
  slowMs: number;
  /** Where `redirect-307` points. */
  redirectTo: string;
  /** Requests seen per endpoint. */
  readonly calls: Record<Endpoint, number>;
  /** Userinfo calls being answered right now, and the most ever at once. */
  readonly inflight: { userinfo: number; maxUserinfo: number; management: number; maxManagement: number };
  /** Bytes of `huge` bodies actually written to sockets. */
  hugeBytesWritten: number;
  /** Replaces the JWKS document (for broken key sets); undefined → the current keys. */
  jwksOverride: unknown;
  /** Keys served in the JWKS (newest last) and the one `sign` uses by default. */
  readonly keys: SigningKey[];
  /** Called when a userinfo request arrives (before it is answered). */
  onUserinfo: (() => void) | undefined;
  /** The M2M app the token endpoint accepts (client_secret_post), and what it answers. */
  m2m: { appId: string; appSecret: string; expiresIn: number; scope: string };
  /** Management API users by id; unknown → 404. */
  readonly managementUsers: Map<string, FakeManagementUser>;
  /** A new signing key; `keepOld` keeps the previous ones in the JWKS. */
  rotate(keepOld?: boolean): Promise<SigningKey>;
  /** A new key that is NOT published in the JWKS. */
  unpublishedKey(): Promise<SigningKey>;
  /** Signs `payload` (no defaults added) with `key` (default: the newest), header merged over `{alg: ES384, kid, typ: at+jwt}`. */
  sign(payload: Record<string, unknown>, options?: { key?: SigningKey; header?: Record<string, unknown> }): Promise<string>;
  /** An RFC 9068 access token for `sub` and `audience`, valid for an hour unless overridden. */
  accessToken(sub: string, audience: string, claims?: Record<string, unknown>): Promise<string>;
  /** A fresh opaque token whose userinfo answer is `answer`. */
  opaqueToken(answer: UserinfoAnswer): string;
  close(): Promise<void>;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig' } };
}

/**
 * A deliberately misbehaving, Logto-shaped identity provider on 127.0.0.1: discovery at
 * `/oidc/.well-known/openid-configuration`, JWKS at `/oidc/jwks`, userinfo at `/oidc/me`, each with
 * a switchable {@link Fault}. Tests mint their own tokens with its keys.
 */
export async function startFakeIdp(): Promise<FakeIdp> {
  const keys: SigningKey[] = [await newKey()];
  const opaque = new Map<string, { answer: UserinfoAnswer; calls: number }>();
  const hanging = new Set<ServerResponse>();
  const m2mTokens = new Set<string>();

  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${url}/oidc`;

  const idp: FakeIdp = {
    url,
    issuer,
    fault: { discovery: 'ok', jwks: 'ok', userinfo: 'ok', token: 'ok', management: 'ok' },
    slowMs: 1000,
    redirectTo: 'http://169.254.169.254/latest/meta-data/',
    calls: { discovery: 0, jwks: 0, userinfo: 0, token: 0, management: 0 },
    inflight: { userinfo: 0, maxUserinfo: 0, management: 0, maxManagement: 0 },
    hugeBytesWritten: 0,
    jwksOverride: undefined,
    keys,
    onUserinfo: undefined,
    m2m: { appId: 'fake-m2m', appSecret: randomBytes(16).toString('hex'), expiresIn: 3600, scope: 'all' },
    managementUsers: new Map(),
    async rotate(keepOld = false) {
      const key = await newKey();
      if (!keepOld) keys.splice(0, keys.length);
      keys.push(key);
      return key;
    },
    unpublishedKey: newKey,
    async sign(payload, options = {}) {
      const key = options.key ?? keys[keys.length - 1]!;
      return new SignJWT(payload as JWTPayload)
        .setProtectedHeader({ alg: 'ES384', kid: key.kid, typ: 'at+jwt', ...options.header } as { alg: string })
        .sign(key.privateKey);
    },
    async accessToken(sub, audience, claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      return idp.sign({ iss: issuer, sub, aud: audience, iat: now, exp: now + 3600, client_id: 'test-client', scope: 'openid', jti: randomUUID(), ...claims });
    },
    opaqueToken(answer) {
      const token = randomBytes(24).toString('base64url');
      opaque.set(token, { answer, calls: 0 });
      return token;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', url).pathname;
    const endpoint: Endpoint | undefined =
      path === '/oidc/.well-known/openid-configuration'
        ? 'discovery'
        : path === '/oidc/jwks'
          ? 'jwks'
          : path === '/oidc/me'
            ? 'userinfo'
            : path === '/oidc/token'
              ? 'token'
              : path.startsWith('/api/')
                ? 'management'
                : undefined;
    if (!endpoint) return json(res, 404, { error: 'not_found' });
    idp.calls[endpoint]++;
    if (endpoint === 'userinfo') {
      idp.inflight.userinfo++;
      idp.inflight.maxUserinfo = Math.max(idp.inflight.maxUserinfo, idp.inflight.userinfo);
      res.once('close', () => idp.inflight.userinfo--);
      idp.onUserinfo?.();
    }
    if (endpoint === 'management') {
      idp.inflight.management++;
      idp.inflight.maxManagement = Math.max(idp.inflight.maxManagement, idp.inflight.management);
      res.once('close', () => idp.inflight.management--);
    }
    const fault = idp.fault[endpoint];
    switch (fault) {
      case 'down':
        req.socket.destroy();
        return;
      case 'hang':
        hanging.add(res);
        res.once('close', () => hanging.delete(res));
        return;
      case 'slow':
        hanging.add(res);
        res.once('close', () => hanging.delete(res));
        await new Promise((r) => setTimeout(r, idp.slowMs));
        if (res.destroyed) return;
        break;
      case '401':
        return json(res, 401, { error: 'invalid_client', error_description: 'refused', code: 'auth.unauthorized' });
      case '500':
      case '502':
      case '404':
        return json(res, Number(fault), { error: 'server_error', stack: 'Error: boom\n    at secret (/srv/idp/internal.js:1:1)' });
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>Sign in to the captive portal</body></html>');
        return;
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        res.write('{"keys":[],"x":"');
        for (let i = 0; i < 1024 && !res.destroyed; i++) {
          if (!res.write(chunk)) await new Promise((r) => (res.once('drain', r), res.once('close', r)));
          if (!res.destroyed) idp.hugeBytesWritten += chunk.length;
        }
        if (!res.destroyed) res.end('"}');
        return;
      }
      case 'redirect':
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return;
      case 'redirect-307':
        res.writeHead(307, { location: idp.redirectTo }).end();
        return;
      case 'echo': {
        if (endpoint === 'token') {
          let body = '';
          for await (const chunk of req) body += String(chunk);
          const secret = new URLSearchParams(body).get('client_secret') ?? '';
          res.writeHead(401, `Unauthorized: bad client_secret ${secret}`, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'invalid_client', error_description: `client_secret ${secret} is wrong` }));
          return;
        }
        const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        const m = /^\/api\/users\/([^/]+)(\/roles|\/organizations)?$/.exec(path);
        const answer = !m ? { echoed: bearer } : m[2] === '/roles' ? [{ id: 'r-echo', name: bearer }] : m[2] ? [] : { id: decodeURIComponent(m[1]!), username: 'echo', name: bearer };
        res.writeHead(200, `OK ${bearer}`, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
        return;
      }
      case 'not-object':
        return json(res, 200, [{ sub: 'array' }]);
      case 'ok':
        break;
    }
    if (endpoint === 'discovery') {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        userinfo_endpoint: `${issuer}/me`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        // A confused IdP advertising symmetric and `none` algorithms: the server must ignore them.
        id_token_signing_alg_values_supported: ['ES384', 'HS256', 'none'],
      });
    }
    if (endpoint === 'jwks') return json(res, 200, idp.jwksOverride ?? { keys: keys.map((k) => k.publicJwk) });
    if (endpoint === 'token') return clientCredentials(req, res);
    if (endpoint === 'management') return management(req, res, path);
    const auth = req.headers.authorization ?? '';
    const entry = opaque.get(auth.replace(/^Bearer /, ''));
    if (!entry) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
      return;
    }
    entry.calls++;
    return json(res, 200, typeof entry.answer === 'function' ? entry.answer(entry.calls) : entry.answer);
  }

  /** Client credentials as @logto/api sends them (form body, client_secret_post). */
  async function clientCredentials(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== idp.m2m.appId || form.get('client_secret') !== idp.m2m.appSecret) {
      return json(res, 401, { error: 'invalid_client' });
    }
    const token = `m2m-${randomBytes(16).toString('hex')}`;
    m2mTokens.add(token);
    return json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: idp.m2m.expiresIn, scope: idp.m2m.scope });
  }

  /** GET /api/users/{id}, …/roles, …/organizations for {@link FakeIdp.managementUsers}; a fake-issued M2M token required. */
  function management(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (!m2mTokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) return json(res, 401, { code: 'auth.unauthorized', message: 'Unauthorized.' });
    const m = /^\/api\/users\/([^/]+)(\/roles|\/organizations)?$/.exec(path);
    const entry = m ? idp.managementUsers.get(decodeURIComponent(m[1]!)) : undefined;
    if (!m || !entry) return json(res, 404, { code: 'entity.not_exists_with_id', message: 'Not found.' });
    return json(res, 200, m[2] === '/roles' ? entry.roles : m[2] === '/organizations' ? entry.organizations : entry.user);
  }

  return idp;
}
