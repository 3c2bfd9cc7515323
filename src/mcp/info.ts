/** What the server says about itself, the same in every protocol era. */
export const SERVER_INFO = { name: 'logto-whoami-mcp', version: '0.1.0' } as const;

export const INSTRUCTIONS = 'Call the whoami tool to see who you are signed in as (via Logto).';

/**
 * The same in every era. `resources` and `prompts` are declared although there are none: clients
 * (and the 2026-07-28 caching requirements) list them, and an empty list with cache hints is a
 * truthful answer where "method not found" is an error. No list ever changes (`listChanged: false`;
 * the SDK would otherwise advertise `true` and clients would hold a listen stream open for nothing —
 * SDK v1's McpServer does, so src/mcp/server-2025.ts registers these again last). Every era announces
 * exactly this (test/e2e/capabilities.test.ts).
 */
export const CAPABILITIES = { tools: { listChanged: false }, resources: { listChanged: false }, prompts: { listChanged: false } };
