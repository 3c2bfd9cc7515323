import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { announcedUrls, ConfigError, loadConfig } from '../../src/config.js';

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

  it('canonical resource (WHATWG URL): an origin-only resource ends in /, as mcp-remote sends it; a path is kept as written', () => {
    assert.equal(loadConfig({ MCP_RESOURCE: 'http://localhost:3001' }).resource, 'http://localhost:3001/');
    assert.equal(loadConfig({ MCP_RESOURCE: 'HTTP://LocalHost:3001' }).resource, 'http://localhost:3001/');
    assert.equal(announcedUrls(loadConfig({})).resource, 'http://localhost:3001/', 'the default, from PUBLIC_URL');
    assert.equal(announcedUrls(loadConfig({})).publicUrl, 'http://localhost:3001', 'the public URL keeps no slash (endpoints are appended)');
    assert.equal(announcedUrls(loadConfig({ PUBLIC_URL: 'https://mcp.example:443' })).resource, 'https://mcp.example/');
    assert.equal(announcedUrls(loadConfig({ PUBLIC_URL: 'https://mcp.example/whoami/' })).resource, 'https://mcp.example/whoami');
    assert.equal(announcedUrls(loadConfig({ PORT: '0' }), 4567).resource, 'http://localhost:4567/');
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
