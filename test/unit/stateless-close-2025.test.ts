import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SessionRegistry } from '../../src/transports/sessions.js';
import { streamableHandler2025 } from '../../src/transports/streamable-2025.js';

const claims = { sub: 'u-close', iss: 'http://localhost/oidc' };
const identity = { issuer: claims.iss, subject: claims.sub, claims, scopes: [], tokenType: 'jwt' as const, clientId: 'c', expiresAt: 4_000_000_000 };
const authInfo = { token: 't', clientId: 'c', scopes: [], expiresAt: 4_000_000_000, extra: { identity } };
const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } };
const request = () =>
  new Request('http://127.0.0.1/mcp', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify(body),
  });
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('2025 stateless: the per-request server is closed after the answer', () => {
  const sessions = new SessionRegistry({ idleTimeoutMs: 60_000, maxSessions: 1, maxPerOwner: 1 });
  const handler = streamableHandler2025({ sessions, stateless: true });
  const close = McpServer.prototype.close;
  after(() => {
    McpServer.prototype.close = close;
  });

  it('on the next turn, without capturing a stack trace for the SDK’s ConnectionClosed error, and the limit is back afterwards', async () => {
    const limits: number[] = [];
    McpServer.prototype.close = function (this: McpServer) {
      limits.push(Error.stackTraceLimit);
      return close.call(this);
    };
    const before = Error.stackTraceLimit;
    const res = await handler(request(), { identity, authInfo } as never, body);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /"sub":"u-close"/);
    assert.deepEqual(limits, [], 'not closed before the answer');
    await nextTurn();
    assert.deepEqual(limits, [0], 'closed once, on the next turn, with no stack trace collected');
    assert.equal(Error.stackTraceLimit, before);
    assert.match(new Error('after').stack ?? '', /\n\s+at /, 'errors after the close have their stack again');
  });
});
