/**
 * Each protocol era announces exactly the capabilities src/mcp/info.ts declares:
 * 2026-07-28 in `server/discover`, 2025-06-18 in `initialize` on /mcp, 2024-11-05 in `initialize`
 * over the 2024-11-05 HTTP+SSE transport. SDK v1's McpServer re-registers each capability with
 * `listChanged: true` when it installs its handlers; a client that believed it would hold a listen
 * stream open for notifications that never come.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CAPABILITIES } from '../../src/mcp/info.js';
import { initializeRequest, postMcp, startTestServer, tokenFor } from '../support/harness.js';
import { request2026_07_28, post2026_07_28 } from '../support/requests-2026-07-28.js';
import { SseStream } from '../../bench/support/sse-stream.js';

describe('announced capabilities = declared capabilities, in every era', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let token: string;

  before(async () => {
    server = await startTestServer();
    token = await tokenFor(server, 'alice', 'jwt');
  });
  after(async () => {
    await server.close();
  });

  it('the declaration itself: tools, resources and prompts, none with listChanged', () => {
    assert.deepEqual(CAPABILITIES, { tools: { listChanged: false }, resources: { listChanged: false }, prompts: { listChanged: false } });
  });

  it('2026-07-28: server/discover', async () => {
    const res = await post2026_07_28(server.mcpUrl, request2026_07_28('server/discover'), { authorization: `Bearer ${token}` });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json?.['result']?.capabilities, CAPABILITIES, res.text);
  });

  it('2025-06-18: initialize on /mcp (Streamable HTTP)', async () => {
    const res = await postMcp(server.mcpUrl, { authorization: `Bearer ${token}` }, initializeRequest());
    assert.equal(res.status, 200, res.text);
    const body = res.json ?? JSON.parse(/^data: (.*)$/m.exec(res.text)?.[1] ?? 'null');
    assert.equal(body?.result?.protocolVersion, '2025-06-18');
    assert.deepEqual(body?.result?.capabilities, CAPABILITIES, res.text);
  });

  it('2024-11-05: initialize over the 2024-11-05 HTTP+SSE transport (/sse + /messages)', async () => {
    const abort = new AbortController();
    const res = await fetch(server.sseUrl, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal });
    assert.equal(res.status, 200);
    const stream = new SseStream(res, abort);
    try {
      const endpoint = await stream.waitFor((e) => e.event === 'endpoint');
      const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'caps', version: '1' } } };
      const posted = await fetch(new URL(endpoint.data, server.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(init),
      });
      assert.equal(posted.status, 202);
      await posted.body?.cancel();
      const answer = await stream.waitFor((e) => e.event === 'message' && JSON.parse(e.data).id === 1);
      const result = JSON.parse(answer.data).result;
      assert.equal(result.protocolVersion, '2024-11-05');
      assert.deepEqual(result.capabilities, CAPABILITIES, answer.data);
    } finally {
      stream.close();
    }
  });
});
