import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildChallenge } from '../../src/http/challenge.js';

const RM = 'https://mcp.example/.well-known/oauth-protected-resource/mcp';

describe('buildChallenge (RFC 6750 §3, RFC 9728 §5.1)', () => {
  it('no credentials: no error, scope and resource_metadata', () => {
    assert.equal(
      buildChallenge({ scope: ['openid', 'profile'], resourceMetadata: RM }),
      `Bearer scope="openid profile", resource_metadata="${RM}"`,
    );
  });
  it('invalid_token', () => {
    assert.equal(
      buildChallenge({ error: 'invalid_token', errorDescription: 'token expired', scope: ['openid'], resourceMetadata: RM }),
      `Bearer error="invalid_token", error_description="token expired", scope="openid", resource_metadata="${RM}"`,
    );
  });
  it('insufficient_scope carries the needed scope', () => {
    assert.equal(
      buildChallenge({ error: 'insufficient_scope', errorDescription: 'x', scope: ['whoami:read'], resourceMetadata: RM }),
      `Bearer error="insufficient_scope", error_description="x", scope="whoami:read", resource_metadata="${RM}"`,
    );
  });
  it('invalid_request without scope', () => {
    assert.equal(
      buildChallenge({ error: 'invalid_request', errorDescription: 'malformed bearer token', resourceMetadata: RM }),
      `Bearer error="invalid_request", error_description="malformed bearer token", resource_metadata="${RM}"`,
    );
  });
  it('quotes and escapes values, dropping control characters', () => {
    assert.equal(
      buildChallenge({ error: 'invalid_token', errorDescription: 'a "b" \\ c\r\nInjected: 1', resourceMetadata: RM }),
      `Bearer error="invalid_token", error_description="a \\"b\\" \\\\ cInjected: 1", resource_metadata="${RM}"`,
    );
  });
});
