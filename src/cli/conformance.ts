#!/usr/bin/env node
/**
 * Entry point for `@modelcontextprotocol/conformance client`: the suite appends the server URL as
 * the last argument and may pass `MCP_CONFORMANCE_CONTEXT` (JSON; e.g. pre-registered client
 * credentials). This runs the CLI's own session code — discovery, registration, login, refresh,
 * 401/403 handling — with a headless "browser" that simply follows the authorization server's
 * redirects to the loopback listener, and a store in a fresh temporary directory (the suite runs
 * scenarios in parallel). Nothing here looks at the scenario name.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withMcpClient } from './mcp.js';
import { Session } from './session.js';
import { FileStore } from './store.js';
import type { OpenBrowser } from './browser.js';

/**
 * This client's metadata document URL (SEP-991). Offered as client_id only to servers that
 * advertise `client_id_metadata_document_supported`; same value as the suite's reference client.
 */
const CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';

/** A browser without a user: fetch follows the redirects, the last of which lands on the listener. */
const followRedirects: OpenBrowser = async (url) => {
  const response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(15_000) });
  await response.body?.cancel().catch(() => undefined);
  return true;
};

const serverUrl = process.argv.at(-1);
if (!serverUrl || !/^https?:\/\//.test(serverUrl)) {
  process.stderr.write('usage: conformance <server-url>\n');
  process.exit(2);
}
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT || '{}') as Record<string, unknown>;
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

const dir = await mkdtemp(join(tmpdir(), 'logto-whoami-mcp-conformance-'));
try {
  const session = await Session.open({
    serverUrl,
    store: new FileStore(join(dir, 'logto-whoami-mcp')),
    openBrowser: followRedirects,
    port: 0,
    clientId: str(context.client_id),
    clientSecret: str(context.client_secret),
    clientMetadataUrl: CLIENT_METADATA_URL,
    callbackTimeoutMs: 15_000,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  await withMcpClient(session, 'streamable', async (client) => {
    const { tools } = await client.listTools();
    process.stdout.write(`tools: ${tools.map((t) => t.name).join(', ') || '(none)'}\n`);
    for (const tool of tools.slice(0, 10)) {
      const result = await client.callTool({ name: tool.name, arguments: {} });
      process.stdout.write(`called ${tool.name}: ${result.isError ? 'error' : 'ok'}\n`);
    }
  });
} catch (error) {
  process.stderr.write(`conformance client failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
