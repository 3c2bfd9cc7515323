import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractBearerToken, MAX_TOKEN_LENGTH } from '../../src/auth/bearer-header.js';
import { AuthError } from '../../src/auth/errors.js';

const url = new URL('http://localhost:3001/mcp');
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof AuthError);
    return `${error.status} ${error.code}`;
  }
  return 'ok';
};

describe('extractBearerToken (RFC 6750 §2.1, §3.1)', () => {
  it('returns the token, scheme case-insensitive', () => {
    assert.equal(extractBearerToken('Bearer abc.DEF-_~+/=', url), 'abc.DEF-_~+/=');
    assert.equal(extractBearerToken('bearer abc', url), 'abc');
    assert.equal(extractBearerToken('BEARER   abc  ', url), 'abc');
  });
  it('no header or another scheme: no credentials (undefined)', () => {
    assert.equal(extractBearerToken(undefined, url), undefined);
    assert.equal(extractBearerToken('Basic dXNlcjpwYXNz', url), undefined);
    assert.equal(extractBearerToken('Bearerabc', url), undefined);
  });
  it('malformed: 400 invalid_request', () => {
    for (const header of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer a,b', 'Bearer a=b', 'Bearer ä', 'Bearer abc, Bearer def', 'Basic x, Bearer y']) {
      assert.equal(code(() => extractBearerToken(header, url)), '400 invalid_request', header);
    }
  });
  it('a token in the query is never accepted: alone it is no credential, next to a header token it is two methods', () => {
    const q = new URL('http://localhost:3001/mcp?access_token=abc');
    assert.equal(extractBearerToken(undefined, q), undefined);
    assert.equal(extractBearerToken('Basic dXNlcjpwYXNz', q), undefined);
    assert.equal(code(() => extractBearerToken('Bearer abc', q)), '400 invalid_request');
    assert.equal(code(() => extractBearerToken('Bearer', q)), '400 invalid_request');
  });
  it('the request URL as a string (the gate passes it unparsed): the same verdicts, with or without a query', () => {
    assert.equal(code(() => extractBearerToken('Bearer abc', 'http://localhost:3001/mcp?access_token=abc')), '400 invalid_request');
    assert.equal(code(() => extractBearerToken('Bearer abc', 'http://localhost:3001/mcp?x=1&access_token=')), '400 invalid_request');
    assert.equal(extractBearerToken(undefined, 'http://localhost:3001/mcp?access_token=abc'), undefined);
    assert.equal(extractBearerToken('Bearer abc', 'http://localhost:3001/mcp?x=access_token'), 'abc');
    assert.equal(extractBearerToken('Bearer abc', 'http://localhost:3001/mcp'), 'abc');
  });
  it('over-long tokens are refused', () => {
    assert.equal(code(() => extractBearerToken(`Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`, url)), '400 invalid_request');
    assert.equal(code(() => extractBearerToken(`Bearer ${'a'.repeat(MAX_TOKEN_LENGTH)}`, url)), 'ok');
  });
});
