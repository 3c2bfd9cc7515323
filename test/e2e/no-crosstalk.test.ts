import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEV_USERS } from '../../src/dev-idp/index.js';
import { startTestServer, tokenFor } from '../support/harness.js';
import { headers, PROTOCOL_VERSION, whoamiCall } from '../support/requests-2025.js';
import { headers2026_07_28, request2026_07_28 } from '../support/requests-2026-07-28.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

const CALLERS = ['alice', 'bob'] as const;
const subOf = (username: string) => DEV_USERS.find((u) => u.username === username)!.sub;

/** The same JSON-RPC id for everyone: a response routed by id alone would reach the wrong caller. */
const call = whoamiCall(1);

/** The `sub` a tools/call response answered for, from a JSON or single-event SSE body. */
function answeredSub(body: string, id: number): string {
  const json = body.startsWith('{') ? body : (/^data: (.*)$/m.exec(body)?.[1] ?? '');
  const message = JSON.parse(json) as { id: unknown; result?: { structuredContent?: { sub?: string } } };
  assert.equal(message.id, id);
  const sub = message.result?.structuredContent?.sub;
  assert.equal(typeof sub, 'string', `no sub in ${body.slice(0, 200)}`);
  return sub!;
}

/** Fires `perCaller` concurrent calls per caller at once; each must answer for its own caller. */
async function fireAll(
  url: string,
  perCaller: number,
  headersFor: (username: string, i: number) => Record<string, string>,
  payload: (i: number) => { body: string; id: number } = () => ({ body: call, id: 1 }),
): Promise<void> {
  const calls = CALLERS.flatMap((username) =>
    Array.from({ length: perCaller }, async (_, i) => {
      const { body: sent, id } = payload(i);
      const res = await fetch(url, { method: 'POST', headers: headersFor(username, i), body: sent });
      const body = await res.text();
      assert.equal(res.status, 200, body);
      return { username, sub: answeredSub(body, id) };
    }),
  );
  for (const { username, sub } of await Promise.all(calls)) assert.equal(sub, subOf(username), `${username} got another caller's answer`);
}

describe('no cross-talk: concurrent callers with the same JSON-RPC id each get their own answer (CVE-2026-25536)', () => {
  for (const mode of ['stateless', 'stateful', '2026-07-28'] as const) {
    describe(mode, () => {
      let server: Server;
      const tokens: Record<string, { jwt: string; opaque: string }> = {};
      before(async () => {
        server = await startTestServer(mode === 'stateless' ? { MCP_STATELESS: 'true' } : {});
        for (const username of CALLERS) {
          tokens[username] = { jwt: await tokenFor(server, username, 'jwt'), opaque: await tokenFor(server, username, 'opaque') };
        }
      });
      after(async () => {
        await server.close();
      });

      if (mode === '2026-07-28') {
        // The SDK v2 handler creates a server and a single-exchange transport per request: nothing
        // is shared, even on the server that also keeps 2025 sessions.
        it('200 concurrent 2026-07-28 calls, JWT and opaque tokens mixed', async () => {
          const call2026_07_28 = request2026_07_28('tools/call', { name: 'whoami', arguments: {} });
          await fireAll(
            server.mcpUrl,
            100,
            (username, i) => headers2026_07_28(call2026_07_28, { authorization: `Bearer ${i % 2 ? tokens[username]!.jwt : tokens[username]!.opaque}` }),
            () => ({ body: JSON.stringify(call2026_07_28), id: 1 }),
          );
        });
      } else if (mode === 'stateless') {
        it('200 concurrent calls, JWT and opaque tokens mixed', async () => {
          await fireAll(server.mcpUrl, 100, (username, i) => headers(i % 2 ? tokens[username]!.jwt : tokens[username]!.opaque));
        });
      } else {
        it('200 concurrent calls over 10 sessions per caller', async () => {
          const sessions: Record<string, string[]> = {};
          for (const username of CALLERS) {
            sessions[username] = [];
            for (let s = 0; s < 10; s++) {
              const token = tokens[username]!.jwt;
              const init = await fetch(server.mcpUrl, {
                method: 'POST',
                headers: headers(token),
                body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'crosstalk', version: '1' } } }),
              });
              await init.text();
              const id = init.headers.get('mcp-session-id');
              assert.ok(id, `initialize answered ${init.status} without a session`);
              const ack = await fetch(server.mcpUrl, { method: 'POST', headers: headers(token, id), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
              await ack.text();
              sessions[username].push(id);
            }
          }
          await fireAll(
            server.mcpUrl,
            100,
            (username, i) => headers(tokens[username]!.jwt, sessions[username]![i % 10]),
            // Within ONE session, requests in flight must have distinct ids (JSON-RPC; the SDK's session
            // transport routes each answer by its id, so two concurrent requests with one id on one
            // session collide — that is the client's error, not cross-talk). So call `i` of every caller
            // has id `i + 1`: alice's and bob's calls still share their ids, across callers and sessions.
            (i) => ({ body: whoamiCall(i + 1), id: i + 1 }),
          );
        });
      }
    });
  }
});
