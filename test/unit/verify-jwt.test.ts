import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { AuthError } from '../../src/auth/errors.js';
import { createJwtVerifier } from '../../src/auth/verify-jwt.js';

const ISSUER = 'https://tenant.logto.app/oidc';
const RESOURCE = 'https://mcp.example';
const NOW = 1_800_000_000;

const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
const other = await generateKeyPair('ES384', { extractable: true });
const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES384', use: 'sig' };
const jwks = createLocalJWKSet({ keys: [jwk] });

// Single-resource mode (an origin-only MCP_RESOURCE).
const verify = createJwtVerifier({ issuer: ISSUER, audiences: [RESOURCE], jwks, algorithms: ['ES384'], currentDate: () => new Date(NOW * 1000) });

function sign(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key = privateKey) {
  return new SignJWT({ sub: 'user_1', client_id: 'app', scope: 'whoami:read', ...claims })
    .setProtectedHeader({ alg: 'ES384', kid: 'k1', typ: 'at+jwt', ...header })
    .setIssuer(typeof claims['iss'] === 'string' ? claims['iss'] : ISSUER)
    .setAudience((claims['aud'] as string | string[] | undefined) ?? RESOURCE)
    .setIssuedAt(NOW - 10)
    .setExpirationTime(typeof claims['exp'] === 'number' ? claims['exp'] : NOW + 3600)
    .sign(key);
}

async function refusal(token: string): Promise<string> {
  try {
    await verify(token);
    return 'accepted';
  } catch (error) {
    assert.ok(error instanceof AuthError, `AuthError, got ${String(error)}`);
    assert.equal(error.code, 'invalid_token');
    return error.description;
  }
}

describe('createJwtVerifier (RFC 9068, RFC 8725)', () => {
  it('accepts a valid ES384 at+jwt and returns its claims', async () => {
    const claims = await verify(await sign());
    assert.equal(claims.sub, 'user_1');
    assert.equal(claims['client_id'], 'app');
  });

  it('tolerates exactly one trailing-slash difference in aud, and aud arrays', async () => {
    assert.equal((await verify(await sign({ aud: `${RESOURCE}/` }))).sub, 'user_1');
    assert.equal((await verify(await sign({ aud: ['https://other.example', RESOURCE] }))).sub, 'user_1');
    assert.match(await refusal(await sign({ aud: `${RESOURCE}//` })), /claims rejected \(aud\)/);
    assert.match(await refusal(await sign({ aud: 'https://other.example' })), /\(aud\)/);
  });

  it('per-endpoint resources: aud naming either endpoint passes; the origin, a trailing slash or another API do not', async () => {
    const perEndpoint = createJwtVerifier({
      issuer: ISSUER,
      audiences: [`${RESOURCE}/mcp`, `${RESOURCE}/sse`],
      jwks,
      algorithms: ['ES384'],
      currentDate: () => new Date(NOW * 1000),
    });
    const outcome = async (aud: string | string[]) => {
      try {
        return (await perEndpoint(await sign({ aud }))).sub;
      } catch (error) {
        assert.ok(error instanceof AuthError);
        return error.description;
      }
    };
    assert.equal(await outcome(`${RESOURCE}/mcp`), 'user_1');
    assert.equal(await outcome(`${RESOURCE}/sse`), 'user_1');
    assert.equal(await outcome(['https://other.example', `${RESOURCE}/sse`]), 'user_1');
    for (const aud of [RESOURCE, `${RESOURCE}/`, `${RESOURCE}/mcp/`, `${RESOURCE}/messages`, 'https://other.example/mcp']) {
      assert.match(await outcome(aud), /claims rejected \(aud\)/, aud);
    }
  });

  it('refuses a foreign issuer', async () => {
    assert.match(await refusal(await sign({ iss: 'https://evil.logto.app/oidc' })), /\(iss\)/);
  });

  it('refuses expired tokens beyond the 5 s clock tolerance, accepts within it', async () => {
    assert.equal((await verify(await sign({ exp: NOW - 4 }))).sub, 'user_1');
    assert.match(await refusal(await sign({ exp: NOW - 6 })), /expired/);
  });

  it('refuses a token signed by another key', async () => {
    assert.match(await refusal(await sign({}, {}, other.privateKey)), /signature/);
  });

  it('refuses typ other than at+jwt (e.g. an ID token)', async () => {
    assert.match(await refusal(await sign({}, { typ: 'JWT' })), /not an access token/);
    assert.equal((await verify(await sign({}, { typ: 'application/at+jwt' }))).sub, 'user_1');
  });

  it('refuses alg none in any casing and symmetric algorithms', async () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'user_1', iss: ISSUER, aud: RESOURCE, exp: NOW + 60 })).toString('base64url');
    for (const alg of ['none', 'None', 'NONE', 'HS256']) {
      const header = Buffer.from(JSON.stringify({ alg, kid: 'k1' })).toString('base64url');
      assert.notEqual(await refusal(`${header}.${payload}.`), 'accepted', alg);
      assert.notEqual(await refusal(`${header}.${payload}.c2ln`), 'accepted', alg);
    }
  });

  it('requires sub and exp', async () => {
    const noSub = await new SignJWT({}).setProtectedHeader({ alg: 'ES384', kid: 'k1' }).setIssuer(ISSUER).setAudience(RESOURCE).setExpirationTime(NOW + 60).sign(privateKey);
    assert.match(await refusal(noSub), /sub/);
    const noExp = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'ES384', kid: 'k1' }).setIssuer(ISSUER).setAudience(RESOURCE).sign(privateKey);
    assert.match(await refusal(noExp), /exp/);
  });

  it('garbage never escapes as anything but invalid_token', async () => {
    for (const token of ['a.b.c', 'x', 'e30.e30.e30', 'W10.W10.', `${Buffer.from('{"alg":"ES384"}').toString('base64url')}.bm90anNvbg.AAAA`]) {
      assert.notEqual(await refusal(token), 'accepted', token);
    }
  });
});
