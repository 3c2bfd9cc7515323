/**
 * The 2026-07-28 era on /mcp (SDK v2 `createMcpHandler`, stateless) behind the same gate as the 2025
 * eras: real dev IdP tokens, real HTTP, the real SDK v2 client pinned to 2026-07-28 and raw requests
 * for what a well-behaved client never sends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { DEV_USERS } from '../../src/dev-idp/index.js';
import { initializeRequest, postMcp, startTestServer, tokenFor } from '../support/harness.js';
import { VERSION_2026_07_28, request2026_07_28, post2026_07_28 } from '../support/requests-2026-07-28.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
const alice = DEV_USERS.find((u) => u.username === 'alice')!;

/** Every request the client sent: method, the headers that tell the era, and the JSON-RPC method. */
interface Sent {
  method: string;
  sessionId: string | null;
  protocolVersion: string | null;
  rpc: string | undefined;
}

function recording(sent: Sent[]): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as { method?: string }) : undefined;
    sent.push({ method: init?.method ?? 'GET', sessionId: headers.get('mcp-session-id'), protocolVersion: headers.get('mcp-protocol-version'), rpc: body?.method });
    return fetch(input, init);
  };
}

async function pinnedClient(server: Server, token: string, sent: Sent[]): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    fetch: recording(sent),
  });
  const client = new Client({ name: 'e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: VERSION_2026_07_28 } } });
  await client.connect(transport);
  return client;
}

describe('2026-07-28 on /mcp: SDK v2 server behind the same gate', () => {
  let server: Server;
  let jwt: string;
  before(async () => {
    server = await startTestServer();
    jwt = await tokenFor(server, 'alice', 'jwt');
  });
  after(async () => {
    await server.close();
  });

  it('server/discover names 2026-07-28, the server and its tools capability, with a cache hint', async () => {
    const res = await post2026_07_28(server.mcpUrl, request2026_07_28('server/discover'), { authorization: `Bearer ${jwt}` });
    assert.equal(res.status, 200, res.text);
    const result = res.json?.['result'];
    assert.ok(result.supportedVersions.includes(VERSION_2026_07_28), res.text);
    assert.deepEqual(result._meta['io.modelcontextprotocol/serverInfo'].name, 'logto-whoami-mcp');
    assert.ok(result.capabilities.tools, 'tools capability');
    assert.equal(typeof result.ttlMs, 'number');
    assert.equal(res.headers.get('mcp-session-id'), null, 'no session in the stateless era');
  });

  for (const kind of ['jwt', 'opaque'] as const) {
    it(`SDK v2 client pinned to 2026-07-28, ${kind} token: tools/list and whoami, never initialize, never a session`, async () => {
      const token = kind === 'jwt' ? jwt : await tokenFor(server, 'alice', 'opaque');
      const sent: Sent[] = [];
      const client = await pinnedClient(server, token, sent);
      try {
        assert.equal(client.getNegotiatedProtocolVersion(), VERSION_2026_07_28);
        assert.equal(client.getProtocolEra(), 'modern'); // the SDK's name for 2026-07-28
        const tools = await client.listTools();
        const tool = tools.tools.find((t) => t.name === 'whoami');
        assert.ok(tool?.outputSchema, 'whoami is listed with its output schema');
        const result = await client.callTool({ name: 'whoami', arguments: {} });
        assert.ok(!result.isError, JSON.stringify(result.content));
        const me = result.structuredContent as Record<string, unknown>;
        assert.equal(me['sub'], alice.sub);
        assert.equal(me['token_type'], kind);
        // The 2026-07-28 era gets the same Logto profile as the others (one whoami definition).
        const logto = me['logto'] as Record<string, unknown> | undefined;
        assert.equal(logto?.['available'], true, JSON.stringify(me));
        assert.deepEqual(logto?.['roles'], ['admin', 'viewer']);
        if (kind === 'jwt') {
          assert.equal(logto?.['username'], alice.username);
          assert.ok(!JSON.stringify(me).includes(alice.email), 'email is not listed: nowhere in the answer');
        } else {
          assert.equal(me['email'], alice.email, 'userinfo (consented scopes) stays as it is');
        }
      } finally {
        await client.close();
      }
      assert.ok(sent.some((s) => s.rpc === 'tools/call'), 'the call went over HTTP');
      assert.ok(!sent.some((s) => s.rpc === 'initialize'), `no initialize: ${JSON.stringify(sent)}`);
      assert.ok(sent.every((s) => s.sessionId === null), 'no Mcp-Session-Id');
      assert.ok(sent.filter((s) => s.rpc).every((s) => s.protocolVersion === VERSION_2026_07_28), JSON.stringify(sent));
    });
  }

  it('the identity reaches whoami from the gate only: two users, same server, own answers', async () => {
    const bob = DEV_USERS.find((u) => u.username === 'bob')!;
    const bobToken = await tokenFor(server, 'bob', 'jwt');
    for (const [token, sub] of [[jwt, alice.sub], [bobToken, bob.sub]] as const) {
      const res = await post2026_07_28(server.mcpUrl, request2026_07_28('tools/call', { name: 'whoami', arguments: {} }), { authorization: `Bearer ${token}` });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json?.['result'].structuredContent.sub, sub);
    }
  });

  it('Mcp-Method disagreeing with the body → 400, -32020 (header mismatch), whoami not run', async () => {
    const res = await post2026_07_28(server.mcpUrl, request2026_07_28('tools/call', { name: 'whoami', arguments: {} }), {
      authorization: `Bearer ${jwt}`,
      'mcp-method': 'tools/list',
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json?.['error']?.code, -32020);
    assert.ok(!res.text.includes(alice.sub), 'no result leaked');
  });

  it('Mcp-Name disagreeing with the tool called → 400, -32020', async () => {
    const res = await post2026_07_28(server.mcpUrl, request2026_07_28('tools/call', { name: 'whoami', arguments: {} }), {
      authorization: `Bearer ${jwt}`,
      'mcp-name': 'other',
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json?.['error']?.code, -32020);
  });

  it('MCP-Protocol-Version header disagreeing with the envelope → 400, -32020', async () => {
    const body = request2026_07_28('tools/list');
    const res = await post2026_07_28(server.mcpUrl, body, { authorization: `Bearer ${jwt}`, 'mcp-protocol-version': '2025-06-18' });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json?.['error']?.code, -32020);
  });

  it('an unsupported version → 400, -32022 naming the supported ones', async () => {
    const res = await post2026_07_28(server.mcpUrl, request2026_07_28('tools/list', {}, 1, '2099-01-01'), { authorization: `Bearer ${jwt}` }, '2099-01-01');
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json?.['error']?.code, -32022);
    assert.ok(res.json?.['error']?.data?.supported?.includes(VERSION_2026_07_28), res.text);
  });

  it('a body that is not application/json → 415', async () => {
    const res = await post2026_07_28(server.mcpUrl, request2026_07_28('tools/list'), { authorization: `Bearer ${jwt}`, 'content-type': 'text/plain' });
    assert.equal(res.status, 415, res.text);
  });

  it('no token → the same 401 challenge as the 2025 era, before any MCP work', async () => {
    const answer2026_07_28 = await post2026_07_28(server.mcpUrl, request2026_07_28('tools/call', { name: 'whoami', arguments: {} }));
    const answer2025 = await postMcp(server.mcpUrl, {}, initializeRequest());
    assert.equal(answer2026_07_28.status, 401);
    assert.equal(answer2025.status, 401);
    const challenge = answer2026_07_28.headers.get('www-authenticate');
    assert.ok(challenge?.startsWith('Bearer '), String(challenge));
    assert.ok(!challenge?.includes('error='), 'no error without credentials (RFC 6750 §3.1)');
    assert.equal(challenge, answer2025.headers.get('www-authenticate'));
    assert.equal(answer2026_07_28.text, answer2025.text);
  });

  it('a bad token → the same 401 invalid_token as the 2025 era', async () => {
    const forged = `${jwt.slice(0, -4)}AAAA`;
    const answer2026_07_28 = await post2026_07_28(server.mcpUrl, request2026_07_28('tools/list'), { authorization: `Bearer ${forged}` });
    const answer2025 = await postMcp(server.mcpUrl, { authorization: `Bearer ${forged}` }, initializeRequest());
    assert.equal(answer2026_07_28.status, 401);
    assert.match(answer2026_07_28.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.equal(answer2026_07_28.headers.get('www-authenticate'), answer2025.headers.get('www-authenticate'));
  });

  it('a foreign Origin → 403 before the token is looked at', async () => {
    const res = await post2026_07_28(server.mcpUrl, request2026_07_28('tools/list'), { authorization: `Bearer ${jwt}`, origin: 'https://evil.example' });
    assert.equal(res.status, 403, res.text);
  });

  it('the 2025 era still works on the same endpoint: initialize opens a session', async () => {
    const res = await postMcp(server.mcpUrl, { authorization: `Bearer ${jwt}` }, initializeRequest());
    assert.equal(res.status, 200, res.text);
    assert.ok(res.headers.get('mcp-session-id'), 'a 2025 session');
  });

  it('a 2026 request naming a session id is still served statelessly (the header means nothing in this era)', async () => {
    const res = await post2026_07_28(server.mcpUrl, request2026_07_28('tools/call', { name: 'whoami', arguments: {} }), {
      authorization: `Bearer ${jwt}`,
      'mcp-session-id': 'not-a-session',
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json?.['result'].structuredContent.sub, alice.sub);
  });
});

describe('2026-07-28 with MCP_STATELESS=true (2025 era without sessions)', () => {
  let server: Server;
  before(async () => {
    server = await startTestServer({ MCP_STATELESS: 'true' });
  });
  after(async () => {
    await server.close();
  });

  it('serves both eras', async () => {
    const token = await tokenFor(server, 'alice', 'opaque');
    const answer2026_07_28 = await post2026_07_28(server.mcpUrl, request2026_07_28('tools/call', { name: 'whoami', arguments: {} }), { authorization: `Bearer ${token}` });
    assert.equal(answer2026_07_28.status, 200, answer2026_07_28.text);
    assert.equal(answer2026_07_28.json?.['result'].structuredContent.token_type, 'opaque');
    const answer2025 = await postMcp(server.mcpUrl, { authorization: `Bearer ${token}`, 'mcp-protocol-version': '2025-06-18' }, {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'whoami', arguments: {} },
    });
    assert.equal(answer2025.status, 200, answer2025.text);
  });
});
