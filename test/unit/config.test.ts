import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { announcedUrls, singleResourceWarning, singleResourceWarningText, ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('defaults: dev IdP, port 3001 on loopback, auto validation', () => {
    const c = loadConfig({});
    assert.equal(c.logtoEndpoint, undefined);
    assert.equal(c.issuer, undefined);
    assert.equal(c.port, 3001);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.tokenValidation, 'auto');
    assert.deepEqual(c.requiredScopes, []);
    assert.deepEqual(c.scopesSupported, ['openid', 'profile', 'email']);
    assert.ok(Object.isFrozen(c));
  });

  it('derives the issuer from LOGTO_ENDPOINT, ignoring a trailing slash', () => {
    const c = loadConfig({ LOGTO_ENDPOINT: 'https://tenant.logto.app/' });
    assert.equal(c.logtoEndpoint, 'https://tenant.logto.app');
    assert.equal(c.issuer, 'https://tenant.logto.app/oidc');
  });

  it('parses lists and adds required scopes to the advertised ones', () => {
    const c = loadConfig({ REQUIRED_SCOPES: ' whoami:read  profile', ALLOWED_ORIGINS: 'https://a.example https://b.example:8443' });
    assert.deepEqual(c.requiredScopes, ['whoami:read', 'profile']);
    assert.deepEqual(c.scopesSupported, ['openid', 'profile', 'email', 'whoami:read']);
    assert.deepEqual(c.allowedOrigins, ['https://a.example', 'https://b.example:8443']);
  });

  it('treats empty strings as unset, numbers included', () => {
    const c = loadConfig({ LOGTO_ENDPOINT: '', PUBLIC_URL: '', MCP_RESOURCE: '', PORT: '', USERINFO_CACHE_TTL: '', CACHE_MAX_ENTRIES: '' });
    assert.equal(c.logtoEndpoint, undefined);
    assert.equal(c.publicUrl, undefined);
    assert.equal(c.port, 3001);
    assert.equal(c.userinfoCacheTtl, 60);
    assert.equal(c.cacheMaxEntries, 10_000);
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ PORT: 'abc', TOKEN_VALIDATION: 'maybe', LOGTO_ENDPOINT: 'ftp://x', ALLOWED_ORIGINS: 'https://a.example/path', LOG_LEVEL: 'loud' });
      assert.fail('should throw');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const vars = error.problems.map((p) => p.split(':')[0]).sort();
      assert.deepEqual(vars, ['ALLOWED_ORIGINS.0', 'LOGTO_ENDPOINT', 'LOG_LEVEL', 'PORT', 'TOKEN_VALIDATION']);
    }
  });

  it('requires MCP_RESOURCE to be a prefix of both /mcp and /sse', () => {
    assert.throws(() => loadConfig({ PUBLIC_URL: 'https://mcp.example', MCP_RESOURCE: 'https://mcp.example/mcp' }), /prefix of both/);
    assert.throws(() => loadConfig({ PUBLIC_URL: 'https://mcp.example', MCP_RESOURCE: 'https://other.example' }), /prefix of both/);
    // string prefixes that are not URL prefixes
    assert.throws(() => loadConfig({ MCP_RESOURCE: 'http://localhost:300' }), /prefix of both/);
    assert.throws(() => loadConfig({ PUBLIC_URL: 'https://mcp.example', MCP_RESOURCE: 'https://mcp.example/m' }), /prefix of both/);
    assert.equal(loadConfig({ MCP_RESOURCE: 'http://localhost:3001/' }).resource, 'http://localhost:3001/');
    const c = loadConfig({ PUBLIC_URL: 'https://mcp.example/whoami', MCP_RESOURCE: 'https://mcp.example/whoami' });
    assert.equal(c.resource, 'https://mcp.example/whoami');
  });

  it('canonical resource (WHATWG URL): an origin-only MCP_RESOURCE ends in /, as mcp-remote sends it; a path is kept as written', () => {
    assert.equal(loadConfig({ MCP_RESOURCE: 'http://localhost:3001' }).resource, 'http://localhost:3001/');
    assert.equal(loadConfig({ MCP_RESOURCE: 'HTTP://LocalHost:3001' }).resource, 'http://localhost:3001/');
  });

  it('by default each endpoint is its own resource, named by its URL: /mcp → …/mcp, /sse and /messages → …/sse', () => {
    const urls = announcedUrls(loadConfig({}));
    assert.deepEqual(urls.resources, { mcp: 'http://localhost:3001/mcp', sse: 'http://localhost:3001/sse' });
    assert.deepEqual(urls.audiences, ['http://localhost:3001/mcp', 'http://localhost:3001/sse'], '/mcp first');
    assert.equal(urls.singleResource, false);
    assert.equal(urls.publicUrl, 'http://localhost:3001', 'the public URL keeps no slash (endpoints are appended)');
    assert.deepEqual(announcedUrls(loadConfig({ PUBLIC_URL: 'https://mcp.example:443' })).resources, { mcp: 'https://mcp.example/mcp', sse: 'https://mcp.example/sse' });
    assert.deepEqual(announcedUrls(loadConfig({ PUBLIC_URL: 'https://mcp.example/whoami/' })).audiences, ['https://mcp.example/whoami/mcp', 'https://mcp.example/whoami/sse']);
    assert.deepEqual(announcedUrls(loadConfig({ PORT: '0' }), 4567).audiences, ['http://localhost:4567/mcp', 'http://localhost:4567/sse']);
    assert.equal(singleResourceWarning(urls), undefined);
  });

  it('MCP_RESOURCE → single-resource mode: every endpoint announces it; the warning names the clients that cannot sign in and the move', () => {
    const urls = announcedUrls(loadConfig({ PUBLIC_URL: 'https://mcp.example', MCP_RESOURCE: 'https://mcp.example' }));
    assert.deepEqual(urls.resources, { mcp: 'https://mcp.example/', sse: 'https://mcp.example/' });
    assert.deepEqual(urls.audiences, ['https://mcp.example/']);
    assert.equal(urls.singleResource, true);
    const warning = singleResourceWarning(urls);
    assert.match(warning?.problem ?? '', /Gemini CLI cannot sign in/);
    assert.match(warning?.problem ?? '', /Vercel AI SDK \(it strips the trailing \/ of an origin-only identifier/);
    assert.doesNotMatch(warning?.problem ?? '', /MCP_RESOURCE,|--setup|--doctor/, 'the problem alone: the move is the remedy');
    assert.match(warning?.remedy ?? '', /^unset MCP_RESOURCE, run --setup .*https:\/\/mcp\.example\/mcp and https:\/\/mcp\.example\/sse.*--doctor$/);
    // The banner's one line: the problem, then the move.
    assert.equal(
      warning && singleResourceWarningText(warning),
      'MCP_RESOURCE=https://mcp.example/ names one resource for every endpoint: Gemini CLI cannot sign in (it wants the metadata of /mcp to name https://mcp.example/mcp, of /sse https://mcp.example/sse), ' +
        'nor can the Vercel AI SDK (it strips the trailing / of an origin-only identifier and gets invalid_target). ' +
        'To move: unset MCP_RESOURCE, run --setup (creates the API resources https://mcp.example/mcp and https://mcp.example/sse with the same permissions), then --doctor',
    );
    // A path prefix keeps its path: the AI SDK strips nothing, Gemini CLI still wants the endpoint.
    const prefixed = singleResourceWarning(announcedUrls(loadConfig({ PUBLIC_URL: 'https://mcp.example/whoami', MCP_RESOURCE: 'https://mcp.example/whoami' })));
    assert.match(prefixed?.problem ?? '', /Gemini CLI/);
    assert.doesNotMatch(prefixed?.problem ?? '', /AI SDK/);
  });

  it('refuses URLs with queries or credentials', () => {
    assert.throws(() => loadConfig({ PUBLIC_URL: 'https://mcp.example/?a=1' }), ConfigError);
    assert.throws(() => loadConfig({ LOGTO_ENDPOINT: 'https://u:p@tenant.logto.app' }), ConfigError);
  });
});

describe('loadConfig: Logto Management API and whoami profile fields', () => {
  it('derives the Management API indicator: Cloud tenant from <tenant>.logto.app, else default (OSS)', () => {
    const base = { LOGTO_M2M_APP_ID: 'm2m', LOGTO_M2M_APP_SECRET: 'CANARYsecret' };
    assert.equal(loadConfig({ ...base, LOGTO_ENDPOINT: 'https://abc123.logto.app' }).managementApi?.resource, 'https://abc123.logto.app/api');
    assert.equal(loadConfig({ ...base, LOGTO_ENDPOINT: 'https://auth.example.com' }).managementApi?.resource, 'https://default.logto.app/api');
    assert.equal(loadConfig(base).managementApi?.resource, 'https://default.logto.app/api');
    assert.equal(
      loadConfig({ ...base, LOGTO_ENDPOINT: 'https://auth.example.com', LOGTO_MANAGEMENT_API_RESOURCE: 'https://t1.logto.app/api' }).managementApi?.resource,
      'https://t1.logto.app/api',
    );
    assert.equal(loadConfig({}).managementApi, undefined);
  });

  it('the M2M secret never shows when the config is printed, stringified or inspected', async () => {
    const { inspect } = await import('node:util');
    const c = loadConfig({ LOGTO_M2M_APP_ID: 'm2m', LOGTO_M2M_APP_SECRET: 'CANARYsecret42' });
    assert.equal(c.managementApi?.appSecret.reveal(), 'CANARYsecret42');
    for (const text of [JSON.stringify(c), inspect(c, { depth: 10 }), `${c.managementApi?.appSecret}`, String(c.managementApi?.appSecret)]) {
      assert.ok(!text.includes('CANARYsecret42'), text);
    }
  });

  it('one M2M variable without the other is a problem that does not echo the secret', () => {
    assert.throws(
      () => loadConfig({ LOGTO_M2M_APP_SECRET: 'CANARYsecret43' }),
      (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.includes('LOGTO_M2M_APP_ID')) && !e.message.includes('CANARYsecret43'),
    );
  });

  it('WHOAMI_PROFILE_FIELDS: default, comma/space lists, none, and unknown names refused', () => {
    assert.deepEqual(loadConfig({}).profileFields, ['username', 'name', 'avatar', 'roles', 'organizations']);
    assert.deepEqual(loadConfig({ WHOAMI_PROFILE_FIELDS: 'email, roles email' }).profileFields, ['email', 'roles']);
    assert.deepEqual(loadConfig({ WHOAMI_PROFILE_FIELDS: 'none' }).profileFields, []);
    assert.throws(() => loadConfig({ WHOAMI_PROFILE_FIELDS: 'email,password' }), ConfigError);
    assert.throws(() => loadConfig({ WHOAMI_PROFILE_FIELDS: 'none,email' }), ConfigError);
  });
});
