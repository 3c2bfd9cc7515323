import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthError } from '../../src/auth/errors.js';
import { DEFAULT_OPAQUE_LENGTH, judgeTokenShape } from '../../src/auth/token-shape.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const OPTIONS = { algorithms: ['ES384', 'RS256'], opaqueLength: DEFAULT_OPAQUE_LENGTH };
const refused = (token: string) => assert.throws(() => judgeTokenShape(token, OPTIONS), (e: Error) => e instanceof AuthError && e.code === 'invalid_token' && !e.message.includes(token));

describe('judgeTokenShape', () => {
  it('a dot means JWT: three non-empty base64url segments, JSON header with an allowed alg, JSON payload', () => {
    assert.equal(judgeTokenShape(`${b64({ alg: 'ES384' })}.${b64({})}.c2ln`, OPTIONS), 'jwt');
    refused(`${b64({ alg: 'ES384' })}.${b64({})}.`);
    refused(`${b64({ alg: 'none' })}.${b64({})}.c2ln`);
    refused(`${b64({ alg: 'HS256' })}.${b64({})}.c2ln`);
    refused(`${b64({ typ: 'JWT' })}.${b64({})}.c2ln`);
    refused(`${b64({ alg: 'ES384' })}.${b64('text')}.c2ln`);
    refused('a.b.c');
    refused('a.b');
  });

  it('no dot means opaque: base64url within the length bounds (Logto: 43 characters)', () => {
    assert.equal(judgeTokenShape('x'.repeat(43), OPTIONS), 'opaque');
    assert.equal(judgeTokenShape('a-_Z9'.repeat(5).slice(0, 22), OPTIONS), 'opaque');
    refused('x'.repeat(21));
    refused('x'.repeat(129));
    refused(`${'x'.repeat(40)}+/=`);
    refused(`${'x'.repeat(40)}~`);
  });
});
