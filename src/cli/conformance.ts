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
import type { Tool } from '@modelcontextprotocol/client';
import { resilientFetch } from './fetch.js';
import { withMcpClient, type ElicitHandler } from './mcp.js';
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
  const response = await resilientFetch(url, { redirect: 'follow', signal: AbortSignal.timeout(60_000) });
  await response.body?.cancel().catch(() => undefined);
  return true;
};

/** A user who confirms every form: the schema's defaults, else a plain value per type. */
const acceptElicitation: ElicitHandler = async (request) => {
  const params = request.params as { requestedSchema?: { properties?: Record<string, JsonSchema> } };
  const content: Record<string, string | number | boolean> = {};
  for (const [name, schema] of Object.entries(params.requestedSchema?.properties ?? {})) content[name] = sampleValue(schema) as string | number | boolean;
  return { action: 'accept', content };
};

type JsonSchema = { type?: string | string[]; default?: unknown; enum?: unknown[]; properties?: Record<string, JsonSchema>; required?: string[] };

function sampleValue(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'object':
      return {};
    case 'array':
      return [];
    default:
      return 'x';
  }
}

/**
 * Arguments for a tool: its required properties filled from the schema — except for the suite's
 * tools whose scenario checks what the client does with particular values. Those fixtures are the
 * only suite-specific knowledge here (every SDK's conformance client carries the same).
 */
function toolArguments(tool: Tool, tools: Tool[]): Record<string, unknown> {
  switch (tool.name) {
    // SEP-2243: annotated parameters are mirrored into Mcp-Param-* headers, unsafe strings Base64-encoded.
    case 'test_custom_headers':
      return {
        region: 'us-west1',
        priority: 5,
        verbose: false,
        debug: true,
        empty_val: '',
        method_val: 'GET',
        float_val: 1.5,
        non_ascii_val: 'héllo wörld',
        whitespace_val: '  padded  ',
        leading_space_val: ' leading',
        trailing_space_val: 'trailing ',
        internal_space_val: 'a b c',
        control_char_val: 'bell\u0007',
        crlf_val: 'line1\r\nline2',
        tab_val: '\tindented',
        query: 'not mirrored',
      };
    case 'test_custom_headers_null':
      return { region: 'us-west1', priority: 1, verbose: null, query: 'q' };
    // SEP-1613/2106: the focal tool's inputSchema goes back verbatim, as the client holds it.
    case 'json_schema_echo':
      return { schema: tools.find((t) => t.name === 'json_schema_2020_12_tool')?.inputSchema ?? {} };
  }
  const schema = tool.inputSchema as JsonSchema;
  const args: Record<string, unknown> = {};
  for (const name of schema.required ?? []) args[name] = sampleValue(schema.properties?.[name] ?? {});
  return args;
}

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
    callbackTimeoutMs: 60_000,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  await withMcpClient(session, { transport: 'streamable', era: 'auto', elicit: acceptElicitation }, async (client, { requestOptions }) => {
    const { tools } = await client.listTools(undefined, requestOptions);
    process.stdout.write(`tools: ${tools.map((t) => t.name).join(', ') || '(none)'}\n`);
    for (const tool of tools.slice(0, 10)) {
      const result = await client.callTool({ name: tool.name, arguments: toolArguments(tool, tools) }, requestOptions);
      process.stdout.write(`called ${tool.name}: ${result.isError ? 'error' : 'ok'}\n`);
    }
  });
} catch (error) {
  // The whole cause chain: "fetch failed" alone does not say which socket error it was.
  const chain: string[] = [];
  for (let e: unknown = error; e !== undefined && chain.length < 5; e = e instanceof Error ? e.cause : undefined) {
    chain.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
  process.stderr.write(`conformance client failed: ${chain.join(' <- ')}\n`);
  process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
