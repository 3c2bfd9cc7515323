import assert from 'node:assert/strict';
import type { DevUser } from '../../../src/dev-idp/users.js';

/**
 * Asserts a whoami result names `user`. Every spec-following client sends an RFC 8707 `resource`,
 * so it gets a JWT access token, which (like a default Logto tenant's) carries no profile claims:
 * `sub` proves who it is, and the profile arrives under `logto` through the Management API, with
 * the default WHOAMI_PROFILE_FIELDS (username, name, avatar, roles, organizations — no email).
 */
export function assertIdentity(claims: Record<string, unknown>, user: DevUser): void {
  assert.equal(claims['sub'], user.sub, `whoami sub: ${JSON.stringify(claims)}`);
  const logto = claims['logto'] as Record<string, unknown> | undefined;
  assert.equal(logto?.['available'], true, `whoami logto: ${JSON.stringify(claims)}`);
  if (claims['token_type'] === 'jwt') {
    assert.equal(logto?.['username'], user.username, `whoami logto.username: ${JSON.stringify(claims)}`);
    assert.ok(!JSON.stringify(claims).includes(user.email), `email is not listed, so it is nowhere: ${JSON.stringify(claims)}`);
  } else {
    assert.equal(claims['username'] ?? logto?.['username'], user.username, `whoami username: ${JSON.stringify(claims)}`);
  }
}
