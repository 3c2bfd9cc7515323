import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import type { Identity } from '../../auth/authenticate.js';

const outputSchema = z.looseObject({
  sub: z.string().describe('The subject: the Logto user ID.'),
  token_type: z.enum(['jwt', 'opaque']).describe('jwt: verified locally with the issuer JWKS; opaque: validated at Logto userinfo.'),
});

/**
 * `whoami`: the caller's claims. For an opaque token, the userinfo response (sub, username, name,
 * email, picture, …); for a JWT, the verified claims (sub, client_id, scope, aud, iss, exp, …).
 */
export function registerWhoami(server: McpServer): void {
  server.registerTool(
    'whoami',
    {
      title: 'Who am I?',
      description: 'Returns the identity claims of the signed-in user (from Logto) and how the access token was validated.',
      outputSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    (extra) => {
      const identity = extra.authInfo?.extra?.['identity'] as Identity | undefined;
      if (!identity) {
        // Unreachable behind the bearer gate; kept so the tool never answers for nobody.
        return { isError: true, content: [{ type: 'text', text: 'Not authenticated' }] };
      }
      const result = { ...identity.claims, sub: identity.subject, token_type: identity.tokenType };
      return { structuredContent: result, content: [{ type: 'text', text: JSON.stringify(result, null, 2) }] };
    },
  );
}
