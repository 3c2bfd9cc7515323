import * as z from 'zod';
import type { Identity } from '../../auth/authenticate.js';
import type { ProfileSource, WhoamiProfile } from './whoami-profile.js';

/** What the tool needs besides the verified identity. */
export interface WhoamiDeps {
  /** What Logto's Management API knows about the caller ({@link ProfileSource}); undefined → no `logto` key. */
  profile?: ProfileSource | undefined;
}

const organization = z.object({ id: z.string(), name: z.string(), roles: z.array(z.string()).describe("The caller's organization roles.") });

/**
 * A string or null as `anyOf` with one `type` each: zod's `.nullable()` (and a union with `z.null()`)
 * writes `type: ["string", "null"]`, legal JSON Schema that MCP Inspector flags as a portability
 * warning (single-`type` dialects such as Gemini's reject it); a union with `z.literal(null)` does not.
 */
const nullableString = z.union([z.string(), z.literal(null)]).optional();

/** Declared in the output schema; never mixed into the token's claims. */
const logtoProfileSchema = z
  .object({
    available: z.boolean().describe('false: the Management API could not be asked; the claims above still hold.'),
    error: z.string().optional().describe('Why the profile is unavailable (timeout, unauthorized, not_found, …).'),
    username: nullableString,
    name: nullableString,
    avatar: nullableString,
    email: nullableString,
    phone: nullableString,
    // `additionalProperties: true`, not zod's `{}`: MCP Inspector flags an empty schema (see below).
    custom_data: z.record(z.string(), z.unknown()).meta({ additionalProperties: true }).optional(),
    roles: z.array(z.string()).optional().describe('Global (API resource) role names.'),
    organizations: z.array(organization).optional(),
  })
  .describe(
    "What Logto's Management API says about the caller, limited to WHOAMI_PROFILE_FIELDS. Not part of the token. " +
      'Cached per user for WHOAMI_PROFILE_CACHE_TTL seconds (default 60): a role or organization given in Logto just now shows once that has passed.',
  );

/**
 * The claims whoami always returns, typed; every other claim of the token or of userinfo passes
 * too. Zod writes "any other key" as `additionalProperties: {}`, which MCP Inspector marks with a
 * warning sign; `.meta` replaces it with the equivalent `additionalProperties: true` that every
 * validator and client reads without complaint (the SDKs still validate `sub` and `token_type`).
 */
const outputSchema = z
  .looseObject({
    sub: z.string().describe('The subject: the Logto user ID.'),
    token_type: z.enum(['jwt', 'opaque']).describe('jwt: verified locally with the issuer JWKS; opaque: validated at Logto userinfo.'),
    logto: logtoProfileSchema.optional(),
  })
  .meta({ additionalProperties: true });

/** The part of an SDK `AuthInfo` whoami reads (v1 and v2 agree on it): the bearer gate puts the `Identity` there. */
export interface WhoamiAuth {
  extra?: Record<string, unknown>;
}

/** A tool result both SDK lines accept (text content, plus structured content on success). */
export interface WhoamiResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/**
 * `whoami`: the caller's claims. For an opaque token, the userinfo response (sub, username, name,
 * email, picture, …); for a JWT, the verified claims (sub, client_id, scope, aud, iss, exp, …).
 * With `deps.profile`, what Logto knows about the caller goes under `logto` — a separate key, so
 * nothing the Management API says can pass for a verified claim.
 *
 * The ONE definition every protocol era serves (src/mcp/server-2025.ts registers it on the SDK v1
 * server for the 2025 and 2024-11-05 eras, src/mcp/server-2026-07-28.ts on the SDK v2 server for
 * 2026-07-28): name, schemas and handler live here only, so the eras cannot drift apart. Each era
 * hands the handler the request's `authInfo` — the only way the identity reaches the tool — and the
 * server's {@link WhoamiDeps}.
 */
export const whoamiTool = {
  name: 'whoami',
  config: {
    title: 'Who am I?',
    description: 'Returns the identity claims of the signed-in user (from Logto) and how the access token was validated.',
    outputSchema,
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  },
  async handler(authInfo: WhoamiAuth | undefined, deps: WhoamiDeps = {}): Promise<WhoamiResult> {
    const identity = authInfo?.extra?.['identity'] as Identity | undefined;
    if (!identity) {
      // Unreachable behind the bearer gate; kept so the tool never answers for nobody.
      return { isError: true, content: [{ type: 'text', text: 'Not authenticated' }] };
    }
    // A token claim named `logto` (a Custom JWT script's) is left out: that key is the profile's.
    const { logto: _ignored, ...claims } = identity.claims;
    const profile = await deps.profile?.(identity).catch((): WhoamiProfile => ({ available: false, error: 'bad_response' }));
    const result = { ...claims, sub: identity.subject, token_type: identity.tokenType, ...(profile ? { logto: profile } : {}) };
    return { structuredContent: result, content: [{ type: 'text', text: JSON.stringify(result, null, 2) }] };
  },
};
