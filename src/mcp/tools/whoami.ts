import * as z from 'zod';
import type { Identity } from '../../auth/authenticate.js';

const outputSchema = z.looseObject({
  sub: z.string().describe('The subject: the Logto user ID.'),
  token_type: z.enum(['jwt', 'opaque']).describe('jwt: verified locally with the issuer JWKS; opaque: validated at Logto userinfo.'),
});

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
 *
 * The ONE definition every protocol era serves (src/mcp/server.ts registers it on the SDK v1
 * server for the 2025 and 2024 eras, src/mcp/modern-server.ts on the SDK v2 server for
 * 2026-07-28): name, schemas and handler live here only, so the eras cannot drift apart. Each era
 * hands the handler the request's `authInfo` — the only way the identity reaches the tool.
 */
export const whoamiTool = {
  name: 'whoami',
  config: {
    title: 'Who am I?',
    description: 'Returns the identity claims of the signed-in user (from Logto) and how the access token was validated.',
    outputSchema,
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  },
  handler(authInfo: WhoamiAuth | undefined): WhoamiResult {
    const identity = authInfo?.extra?.['identity'] as Identity | undefined;
    if (!identity) {
      // Unreachable behind the bearer gate; kept so the tool never answers for nobody.
      return { isError: true, content: [{ type: 'text', text: 'Not authenticated' }] };
    }
    const result = { ...identity.claims, sub: identity.subject, token_type: identity.tokenType };
    return { structuredContent: result, content: [{ type: 'text', text: JSON.stringify(result, null, 2) }] };
  },
};
