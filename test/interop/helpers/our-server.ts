import type { Writable } from 'node:stream';
import { startServer, type RunningServer, type StartOptions } from '../../../src/start/start-server.js';
import { DEV_USERS, type DevUser } from '../../../src/dev-idp/users.js';
import { getDevToken } from '../../../src/dev-idp/token-helper.js';
import { loopbackOnlyFetch } from '../../support/loopback-fetch.js';

export type { RunningServer };

/** The dev IdP's demo user the interop tests sign in as. */
export const ALICE: DevUser = DEV_USERS.find((u) => u.username === 'alice')!;

/**
 * Starts our server with its embedded dev IdP on random loopback ports. `env` adds or overrides
 * knobs (ALLOWED_ORIGINS, MCP_STATELESS, …). LOG_LEVEL defaults to `silent` (set INTEROP_LOG_LEVEL
 * to see the server's log while debugging a test). `logs` receives the log lines instead of stdout.
 * Unless `options.fetch` says otherwise, the server and its dev IdP fetch through
 * {@link loopbackOnlyFetch}: a client ID metadata document on a client vendor's site is refused, never fetched.
 */
export async function startOurServer(env: Record<string, string> = {}, logs?: Writable, options: Omit<StartOptions, 'logDestination'> = {}): Promise<RunningServer> {
  const server = await startServer(
    { PORT: '0', DEV_IDP_PORT: '0', LOG_LEVEL: process.env['INTEROP_LOG_LEVEL'] ?? 'silent', ...env },
    { banner: false, fetch: loopbackOnlyFetch().fetch, ...options, ...(logs ? { logDestination: logs } : {}) },
  );
  await server.ready;
  return server;
}

/** An access token for `server`'s resource, from the dev IdP's own headless helper (alice by default). */
export async function devToken(server: RunningServer, user: DevUser = ALICE): Promise<string> {
  const scopes = ['openid', 'profile', 'email', ...(server.config.requiredScopes.length ? server.config.requiredScopes : ['whoami:read'])];
  const tokens = await getDevToken({
    issuer: server.issuer,
    username: user.username,
    password: user.password,
    resource: server.resources.mcp,
    scope: [...new Set(scopes)].join(' '),
  });
  return tokens.access_token;
}

/** Parses the whoami tool's result: structuredContent when present, else the JSON in the first text block. */
export function whoamiClaims(result: unknown): Record<string, unknown> {
  const r = result as { structuredContent?: Record<string, unknown>; content?: Array<{ type: string; text?: string }> };
  if (r.structuredContent && typeof r.structuredContent === 'object') return r.structuredContent;
  const text = r.content?.find((c) => c.type === 'text')?.text;
  if (!text) throw new Error(`whoami result has no text content: ${JSON.stringify(result)}`);
  return JSON.parse(text) as Record<string, unknown>;
}
