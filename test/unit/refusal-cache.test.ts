import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors } from 'jose';
import { createAuthenticator } from '../../src/auth/authenticate.js';
import { DEFAULT_OPAQUE_LENGTH } from '../../src/auth/token-shape.js';
import { AuthError } from '../../src/auth/errors.js';
import { UpstreamError } from '../../src/oidc/errors.js';

const JWT = 'eyJhbGciOiJFUzM4NCJ9.eyJzdWIiOiJ4In0.c2ln';

function authenticatorFailingWith(makeError: () => Error) {
  let calls = 0;
  let time = 1_000_000;
  const authenticator = createAuthenticator({
    mode: 'jwt',
    issuer: 'https://idp.example/oidc',
    verifyJwt: async () => {
      calls++;
      throw makeError();
    },
    verifyUserinfo: async () => ({ sub: 'x' }),
    userinfoTtlSeconds: 60,
    cacheMaxEntries: 100,
    shape: { algorithms: ['ES384'], opaqueLength: DEFAULT_OPAQUE_LENGTH },
    now: () => time,
  });
  return { authenticator, calls: () => calls, advance: (ms: number) => (time += ms) };
}

const refusal = (cause: Error) => () => new AuthError('invalid_token', 'refused', { cause });

describe('final JWT refusals are remembered, nothing else is', () => {
  for (const [name, make] of [
    ['bad signature', refusal(new errors.JWSSignatureVerificationFailed())],
    ['expired', refusal(new errors.JWTExpired('expired', { exp: 1 }, 'exp', 'check_failed'))],
    ['wrong audience', refusal(new errors.JWTClaimValidationFailed('aud', { aud: 'x' }, 'aud', 'check_failed'))],
  ] as const) {
    it(`${name}: verified once, then refused from memory for 60 s`, async () => {
      const t = authenticatorFailingWith(make);
      await assert.rejects(t.authenticator.authenticate(JWT), { code: 'invalid_token' });
      await assert.rejects(t.authenticator.authenticate(JWT), { code: 'invalid_token' });
      assert.equal(t.calls(), 1);
      t.advance(60_001);
      await assert.rejects(t.authenticator.authenticate(JWT), { code: 'invalid_token' });
      assert.equal(t.calls(), 2);
    });
  }

  for (const [name, make] of [
    ['unknown kid (the JWKS may rotate)', refusal(new errors.JWKSNoMatchingKey())],
    ['nbf in the future', refusal(new errors.JWTClaimValidationFailed('nbf', { nbf: 2 }, 'nbf', 'check_failed'))],
    ['a refusal without a jose cause', () => new AuthError('invalid_token', 'token issued in the future (iat)')],
    ['the IdP unavailable', () => new UpstreamError('JWKS could not be fetched')],
  ] as const) {
    it(`${name}: checked again on every request`, async () => {
      const t = authenticatorFailingWith(make);
      await assert.rejects(t.authenticator.authenticate(JWT));
      await assert.rejects(t.authenticator.authenticate(JWT));
      assert.equal(t.calls(), 2);
    });
  }
});
