/**
 * Client ID Metadata Documents ("Dynamic apps" in Logto) against the dev IdP: clients that were
 * never registered use the https URL of their own metadata document as client_id. The documents are
 * served by a real HTTPS server on 127.0.0.1 (self-signed certificate, trusted by the fetch the dev
 * IdP is given); the clients are the SDK v2 client's CIMD path and our CLI's --client-metadata-url,
 * each through a full sign-in and a whoami call. Then the refusals: what the IdP must not accept.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { CIMD_CACHE_SECONDS, CIMD_MAX_BYTES } from '../../src/dev-idp/cimd.js';
import { DEV_USERS, getDevToken, startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';
import { startServer, type RunningServer } from '../../src/start/start-server.js';
import { authorizeHeadless } from '../support/authorize-headless.js';
import { runCliIn } from '../support/cli-run.js';
import { freePort } from '../support/harness.js';
import { startHttpsDocuments, type HttpsDocuments } from '../support/https-documents.js';
import { HEADLESS_REDIRECT_URI, HeadlessOAuthProvider } from '../interop/helpers/headless-oauth-provider.js';
import { recordingFetch, type Exchange } from '../interop/helpers/recording-fetch.js';

const alice = DEV_USERS.find((u) => u.username === 'alice')!;
const silent = { info() {}, warn() {}, error() {} };
const UNREGISTERED = /data-client="unregistered"/;

/** A public client's metadata document, as an MCP client publishes it. */
function documentFor(url: string, redirectUris: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_id: url,
    client_name: 'CIMD test client',
    redirect_uris: redirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...extra,
  };
}

/** fetch that keeps the HTML of every consent page it sees. */
function consentRecorder(pages: string[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (response.headers.get('content-type')?.startsWith('text/html')) {
      const html = await response.clone().text();
      if (/name="decision"/.test(html)) pages.push(html);
    }
    return response;
  };
}

describe('Client ID Metadata Documents (dev IdP, like Logto Dynamic apps)', () => {
  let docs: HttpsDocuments;
  let idp: DevIdp;
  let server: RunningServer;
  let resource: string;

  before(async () => {
    docs = await startHttpsDocuments();
    const port = await freePort();
    const base = `http://localhost:${port}`;
    // Origin-only with the trailing slash: the canonical form (accepted before it became the canonical one, too).
    resource = `${base}/`;
    idp = await startDevIdp({ port: 0, resources: { [resource]: ['whoami:read'] }, fetch: docs.fetch, logger: silent });
    server = await startServer(
      { PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: base, MCP_RESOURCE: resource, LOGTO_ENDPOINT: idp.origin, LOG_LEVEL: 'silent' },
      { banner: false },
    );
    await server.ready;
  });

  after(async () => {
    await server?.close();
    await idp?.close();
    await docs?.close();
  });

  /** GET /oidc/auth for `clientId` and return the status and the OAuth error the IdP shows (no redirect for an unknown client). */
  async function authorize(clientId: string, redirectUri: string): Promise<{ status: number; error: string | undefined; location: string | null }> {
    const url = new URL(`${idp.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    const html = await res.text();
    return { status: res.status, error: /<meta name="oauth-error" content="([^"]*)"/.exec(html)?.[1], location: res.headers.get('location') };
  }

  it('discovery advertises client_id_metadata_document_supported', async () => {
    const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    const metadata = (await res.json()) as Record<string, unknown>;
    assert.equal(metadata['client_id_metadata_document_supported'], true);
    assert.ok((metadata['token_endpoint_auth_methods_supported'] as string[]).includes('none'));
  });

  it('SDK v2 client: its metadata URL is the client_id, no registration, the consent screen says unregistered, whoami works', async () => {
    const clientId = docs.serve('/clients/sdk-v2.json', documentFor(`${docs.origin}/clients/sdk-v2.json`, [HEADLESS_REDIRECT_URI]));
    const consentPages: string[] = [];
    class CimdProvider extends HeadlessOAuthProvider<StoredOAuthClientInformation, StoredOAuthTokens> {
      readonly clientMetadataUrl = clientId;
      override async redirectToAuthorization(url: URL): Promise<void> {
        this.authorizationUrls.push(new URL(url));
        this.lastAuthorization = await authorizeHeadless(url, HEADLESS_REDIRECT_URI, alice, consentRecorder(consentPages));
      }
    }
    const provider = new CimdProvider({ credentials: alice });
    const log: Exchange[] = [];
    const options = { authProvider: provider, fetch: recordingFetch(log) };

    let transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), options);
    await assert.rejects(new Client({ name: 'cimd-v2', version: '1.0.0' }).connect(transport), UnauthorizedError);
    await transport.close();
    await transport.finishAuth(provider.takeCallbackParams());

    assert.equal(provider.authorizationUrls[0]?.searchParams.get('client_id'), clientId);
    assert.equal(provider.clientInformation()?.client_id, clientId);
    assert.ok(!log.some((e) => new URL(e.url).pathname.endsWith('/reg')), 'no dynamic registration');
    assert.equal(consentPages.length, 1, 'one consent page');
    assert.match(consentPages[0]!, UNREGISTERED);
    assert.ok(consentPages[0]!.includes(clientId), 'the consent page names the document URL');

    transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), options);
    const client = new Client({ name: 'cimd-v2', version: '1.0.0' });
    await client.connect(transport);
    try {
      const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { structuredContent?: Record<string, unknown> };
      assert.equal(result.structuredContent?.['sub'], alice.sub);
      assert.equal(result.structuredContent?.['client_id'], clientId, 'the token names the document URL as its client');
    } finally {
      await client.close();
    }
  });

  it('CLI --client-metadata-url: login and whoami with the document URL as client_id', async () => {
    const configHome = await mkdtemp(join(tmpdir(), 'cimd-cli-'));
    try {
      const clientId = docs.serve('/clients/cli.json', { ...documentFor(`${docs.origin}/clients/cli.json`, ['http://127.0.0.1/callback']), application_type: 'native' });
      const consentPages: string[] = [];
      const seenClientIds: string[] = [];
      const deps = {
        callbackTimeoutMs: 10_000,
        openBrowser: async (url: string) => {
          const authorizationUrl = new URL(url);
          seenClientIds.push(authorizationUrl.searchParams.get('client_id') ?? '');
          const { callbackUrl } = await authorizeHeadless(authorizationUrl, authorizationUrl.searchParams.get('redirect_uri') ?? '', alice, consentRecorder(consentPages));
          await (await fetch(callbackUrl, { signal: AbortSignal.timeout(5_000) })).body?.cancel();
          return true;
        },
      };
      const login = await runCliIn(configHome, ['login', server.mcpUrl, '--client-metadata-url', clientId], deps);
      assert.equal(login.code, 0, login.err);
      assert.deepEqual(seenClientIds, [clientId]);
      assert.match(consentPages[0] ?? '', UNREGISTERED);
      const whoami = await runCliIn(configHome, ['whoami', server.mcpUrl], deps);
      assert.equal(whoami.code, 0, whoami.err);
      const claims = JSON.parse(whoami.out) as Record<string, unknown>;
      assert.equal(claims['sub'], alice.sub);
      assert.equal(claims['client_id'], clientId);
    } finally {
      await rm(configHome, { recursive: true, force: true });
    }
  });

  it('authorization code + refresh token: a refresh with the document URL as client_id works', async () => {
    const clientId = docs.serve('/clients/refresh.json', { ...documentFor(`${docs.origin}/clients/refresh.json`, ['http://127.0.0.1/callback']), application_type: 'native' });
    const tokens = await getDevToken({
      issuer: idp.issuer,
      username: alice.username,
      password: alice.password,
      clientId,
      redirectUri: 'http://127.0.0.1/callback',
      scope: 'openid offline_access',
    });
    assert.ok(tokens.refresh_token, 'a refresh token for offline_access');
    const res = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(typeof body['access_token'], 'string');
  });

  it('the document is fetched once and then served from the cache', async () => {
    const path = '/clients/cached.json';
    const clientId = docs.serve(path, documentFor(`${docs.origin}${path}`, [HEADLESS_REDIRECT_URI]), { headers: { 'cache-control': 'max-age=3600' } });
    for (let i = 0; i < 3; i++) {
      const { status, location } = await authorize(clientId, HEADLESS_REDIRECT_URI);
      assert.equal(status, 303, 'on to the login page');
      assert.match(location ?? '', /\/interaction\//);
    }
    assert.equal(docs.hits(path), 1);
    assert.ok(CIMD_CACHE_SECONDS.max <= 300, 'a short cache, whatever the document asks');
  });

  // invalid_client: the document could not be had; invalid_client_metadata: it was had and is refused.
  const refusals: Array<{ name: string; path: string; error: string; document: (url: string) => unknown; options?: Parameters<HttpsDocuments['serve']>[2] }> = [
    { name: 'a redirect (never followed)', path: '/r/redirect.json', error: 'invalid_client', document: () => '', options: { status: 302, headers: { location: '/r/target.json' } } },
    { name: 'a document over the size cap', path: '/r/big.json', error: 'invalid_client', document: (url) => documentFor(url, [HEADLESS_REDIRECT_URI], { client_name: 'x'.repeat(CIMD_MAX_BYTES) }) },
    { name: 'a document that is not JSON', path: '/r/garbage.json', error: 'invalid_client', document: () => '<html>not json</html>' },
    { name: 'a document answered too slowly (timeout)', path: '/r/slow.json', error: 'invalid_client', document: (url) => documentFor(url, [HEADLESS_REDIRECT_URI]), options: { delayMs: 4_000 } },
    { name: 'a document naming another client_id', path: '/r/other.json', error: 'invalid_client_metadata', document: () => documentFor(`${docs.origin}/clients/someone-else.json`, [HEADLESS_REDIRECT_URI]) },
    { name: 'a confidential client (client_secret_basic)', path: '/r/secret.json', error: 'invalid_client_metadata', document: (url) => documentFor(url, [HEADLESS_REDIRECT_URI], { token_endpoint_auth_method: 'client_secret_basic' }) },
    { name: 'a client asking for client_credentials', path: '/r/m2m.json', error: 'invalid_client_metadata', document: (url) => documentFor(url, [HEADLESS_REDIRECT_URI], { grant_types: ['authorization_code', 'refresh_token', 'client_credentials'] }) },
    { name: 'a non-public client (private_key_jwt)', path: '/r/pkjwt.json', error: 'invalid_client_metadata', document: (url) => documentFor(url, [HEADLESS_REDIRECT_URI], { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [] } }) },
  ];
  for (const refusal of refusals) {
    it(`refuses ${refusal.name}: ${refusal.error}, no sign-in`, async () => {
      const url = `${docs.origin}${refusal.path}`;
      docs.serve(refusal.path, refusal.document(url), refusal.options);
      const { status, error } = await authorize(url, HEADLESS_REDIRECT_URI);
      assert.equal(status, 400);
      assert.equal(error, refusal.error);
      // Failures are not cached, and oidc-provider looks the client up again while answering the error.
      assert.ok(docs.hits(refusal.path) >= 1, 'the document was fetched');
      assert.equal(docs.hits('/r/target.json'), 0, 'a redirect is never followed');
    });
  }

  it('a port-less loopback redirect URI (Claude Code\'s document: no application_type) takes any port, like Logto; nothing else is loosened', async () => {
    const clientId = docs.serve('/clients/port-less.json', documentFor(`${docs.origin}/clients/port-less.json`, ['http://localhost/callback', 'http://127.0.0.1/callback']));
    for (const redirectUri of ['http://localhost:54321/callback', 'http://127.0.0.1:28430/callback', 'http://localhost/callback']) {
      const accepted = await authorize(clientId, redirectUri);
      assert.equal(accepted.error, undefined, `${redirectUri}: ${accepted.error}`);
      assert.ok(accepted.status >= 300 && accepted.status < 400 && accepted.location, `${redirectUri} goes on to sign-in (${accepted.status})`);
    }
    // Only the port: path, scheme, host spelling and anything after the authority are compared as sent.
    for (const redirectUri of ['http://localhost:54321/other', 'http://localhost:54321/callback/', 'https://localhost:54321/callback', 'http://LOCALHOST:54321/callback', 'http://[::1]:54321/callback', 'http://localhost:54321/callback?x=1']) {
      const refused = await authorize(clientId, redirectUri);
      assert.equal(refused.error, 'invalid_redirect_uri', redirectUri);
    }
  });

  it('refuses an http client_id (not fetched) and a redirect_uri the document does not list', async () => {
    const httpUrl = `http://127.0.0.1:1/clients/plain.json`;
    assert.match((await authorize(httpUrl, HEADLESS_REDIRECT_URI)).error ?? '', /^invalid_client/);
    const clientId = docs.serve('/clients/strict.json', documentFor(`${docs.origin}/clients/strict.json`, [HEADLESS_REDIRECT_URI]));
    const wrong = await authorize(clientId, 'http://127.0.0.1:9/elsewhere');
    assert.equal(wrong.status, 400);
    assert.equal(wrong.error, 'invalid_redirect_uri');
  });
});
