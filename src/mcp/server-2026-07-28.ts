import { McpServer, type StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { CAPABILITIES, INSTRUCTIONS, SERVER_INFO } from './info.js';
import { runObserved } from './observed-tool.js';
import type { McpDeps } from './deps.js';
import { whoamiTool } from './tools/whoami.js';

/** Shared for the same reason as in ./server-2025.ts: compiled schemas only, no request state. */
let validator: AjvJsonSchemaValidator | undefined;

/**
 * How long a client may reuse `server/discover` and the lists (2026-07-28 cacheable results).
 * Both answers are the same for every caller (whoami's *result* is per caller and never cached), so
 * `public`; a minute keeps a redeploy visible soon.
 */
const CACHE_HINT = { ttlMs: 60_000, cacheScope: 'public' } as const;

/**
 * `schema` with its JSON Schema conversion computed once. The SDK memoises the conversion per
 * registered tool, but the 2026-07-28 era registers the tool on a fresh server per request, so
 * without this every tools/call re-converted whoami's output schema (13% of the request's CPU in a
 * profile). Validation is the schema's own; only `jsonSchema.input/output` are cached, per target.
 */
function withCachedJsonSchema<S extends StandardSchemaWithJSON>(schema: S): S {
  const std = schema['~standard'];
  type Options = Parameters<typeof std.jsonSchema.input>[0];
  const cache = new Map<string, Record<string, unknown>>();
  const cached =
    (io: 'input' | 'output') =>
    (options: Options): Record<string, unknown> => {
      const key = `${io} ${String(options.target)}`;
      let json = cache.get(key);
      if (!json) cache.set(key, (json = std.jsonSchema[io](options)));
      return json;
    };
  // The original stays the prototype: everything but `~standard` is the schema itself.
  return Object.create(schema, {
    '~standard': { value: { ...std, jsonSchema: { input: cached('input'), output: cached('output') } }, enumerable: true },
  }) as S;
}

const SITE = { era: '2026-07-28', transport: 'streamable-http' } as const;

/** whoami's one definition, with the conversion cached for this era's per-request servers. */
const whoamiConfig = { ...whoamiTool.config, outputSchema: withCachedJsonSchema(whoamiTool.config.outputSchema) };

/**
 * A fresh SDK v2 MCP server with the `whoami` tool, for the 2026-07-28 era (stateless, one per
 * request, created by `createMcpHandler`). The tool is the same definition the SDK v1 server (./server-2025.ts) registers.
 * `extend` is a test seam (the conformance suite's diagnostic tools); the server never sets it.
 */
export function createMcpServer2026_07_28(deps: McpDeps = {}, extend?: (server: McpServer) => void): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: CAPABILITIES,
    jsonSchemaValidator: (validator ??= new AjvJsonSchemaValidator()),
    instructions: INSTRUCTIONS,
    cacheHints: { 'server/discover': CACHE_HINT, 'tools/list': CACHE_HINT, 'resources/list': CACHE_HINT, 'resources/templates/list': CACHE_HINT, 'prompts/list': CACHE_HINT },
  });
  server.registerTool(whoamiTool.name, whoamiConfig, (ctx) =>
    runObserved(whoamiTool.name, SITE, deps.observer, ctx.http?.authInfo, () => whoamiTool.handler(ctx.http?.authInfo, deps)),
  );
  extend?.(server);
  return server;
}
