/**
 * The comparison server: a typical "mcp-auth + Express + SDK v1" whoami server, written
 * the way the documentation writes it — not tuned, not de-tuned. Modelled on:
 * - mcp-auth's todo-manager tutorial (mcp-auth 0.2, resource-server mode):
 *   https://mcp-auth.dev/docs/tutorials/todo-manager — `fetchServerConfig(issuer, { type: 'oidc' })`,
 *   `new MCPAuth({ protectedResources: { metadata } })`, `app.use(protectedResourceMetadataRouter())`,
 *   `app.use(bearerAuth('jwt', { resource, audience }))`, and the SDK's stateless boilerplate
 *   (`StreamableHTTPServerTransport({ sessionIdGenerator: undefined })`, no body parser);
 * - mcp-auth's whoami sample, https://github.com/mcp-auth/js/blob/master/packages/sample-servers/src/whoami/index.ts
 *   — a new `McpServer` + transport per request, and `whoami` returning `authInfo.claims` as text;
 * - Logto's MCP guide, https://docs.logto.io/use-cases/ai/mcp-server-add-auth (mcp-auth + Express + SDK v1).
 * Departures, all for the bench: the tutorial's `console.log` per closed request is left out (our
 * server logs nothing per call at the bench's LOG_LEVEL=warn either), /mcp instead of /, 127.0.0.1,
 * and the IPC side channel below. PORT and MCP_AUTH_ISSUER come from the parent; the resource is
 * `http://localhost:PORT/`, announced to the IdP in advance like the other servers' resources.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import { fetchServerConfig, MCPAuth } from 'mcp-auth';
import type { Server } from 'node:http';
import { serveStats } from './ipc.js';

const port = Number(process.env['PORT']);
const issuer = process.env['MCP_AUTH_ISSUER'];
if (!port || !issuer) throw new Error('PORT and MCP_AUTH_ISSUER are required');
const resourceId = new URL(`http://localhost:${port}`).href;

// IdP calls counted like the server child counts them: mcp-auth and jose use the global fetch.
const upstream: Record<string, number> = {};
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const kind = url.pathname.endsWith('/jwks') ? 'jwks' : url.pathname.includes('/.well-known/') ? 'discovery' : 'other';
  upstream[kind] = (upstream[kind] ?? 0) + 1;
  return realFetch(input, init);
};

const createMcpServer = () => {
  const mcpServer = new McpServer({ name: 'WhoAmI', version: '0.0.0' });
  mcpServer.registerTool('whoami', { description: 'Get the current user information', inputSchema: {} }, (_params, { authInfo }) => ({
    content: [{ type: 'text', text: JSON.stringify(authInfo?.claims ?? { error: 'Not authenticated' }) }],
  }));
  return mcpServer;
};

const authServerConfig = await fetchServerConfig(issuer, { type: 'oidc' });
const mcpAuth = new MCPAuth({
  protectedResources: {
    metadata: { resource: resourceId, authorizationServers: [authServerConfig], scopesSupported: ['whoami:read'] },
  },
});

const app = express();
app.use(mcpAuth.protectedResourceMetadataRouter());
app.use(mcpAuth.bearerAuth('jwt', { resource: resourceId, audience: resourceId }));

app.post('/mcp', async (request, response) => {
  try {
    const mcpServer = createMcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => {
      void transport.close();
      void mcpServer.close();
    });
    await mcpServer.connect(transport);
    await transport.handleRequest(request, response, request.body);
  } catch (error) {
    console.error('Error handling MCP request:', error);
    if (!response.headersSent) {
      response.status(500).json({ jsonrpc: '2.0', error: { code: -32_603, message: 'Internal server error' }, id: null });
    }
  }
});

const server: Server = app.listen(port, '127.0.0.1', () => {
  serveStats(upstream, () => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${port}`;
  process.send?.({ type: 'ready', port: String(port), url, mcpUrl: `${url}/mcp`, issuer, resource: resourceId });
});
