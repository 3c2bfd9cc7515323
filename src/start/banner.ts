import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { clientRedirectUris, WHERE_INSPECTOR_REDIRECT_URI } from '../shared/client-redirect-uris.js';

export interface BannerFacts {
  mcpUrl: string;
  sseUrl: string;
  issuer: string;
  /** Each endpoint's resource identifier (equal with MCP_RESOURCE). */
  resources: { readonly mcp: string; readonly sse: string };
  /** Every distinct one: the Logto API identifiers to create. */
  audiences: readonly string[];
  /** Set in single-resource mode (MCP_RESOURCE): which clients cannot sign in, and how to move. */
  singleResourceWarning?: string | undefined;
  config: Config;
  /** The dev IdP's M2M app, printed (development only) so the Management API can be tried by hand. */
  devM2m?: { appId: string; appSecret: string; resource: string; endpoint: string } | undefined;
}

/** One structured "listening" log line, and the human banner on stderr. */
export function printBanner(s: BannerFacts, logger: Logger): void {
  const c = s.config;
  // Without LOGTO_ENDPOINT the embedded development IdP is the issuer.
  const dev = !c.logtoEndpoint;
  logger.info(
    { mcp: s.mcpUrl, sse: s.sseUrl, issuer: s.issuer, resources: s.audiences, tokenValidation: c.tokenValidation, stateless: c.stateless, devIdp: dev },
    'listening',
  );
  if (s.singleResourceWarning) logger.warn({ resource: s.resources.mcp }, s.singleResourceWarning);
  const lines = [
    '',
    `  logto-whoami-mcp${dev ? ' (development IdP — not Logto)' : ''}`,
    `  Streamable HTTP  ${s.mcpUrl}   (2026-07-28, 2025${c.stateless ? ' stateless' : ''})`,
    `  HTTP+SSE         ${s.sseUrl}   (2024-11-05)`,
    `  Issuer           ${s.issuer}`,
    ...(s.audiences.length === 1
      ? [`  Resource         ${s.resources.mcp}   (the Logto API identifier to create — exactly this, with any trailing /; /mcp and /sse)`]
      : [
          `  Resource /mcp    ${s.resources.mcp}   (the Logto API identifier to create — exactly this)`,
          `  Resource /sse    ${s.resources.sse}   (the Logto API identifier to create — exactly this; same permissions)`,
        ]),
    ...(s.singleResourceWarning ? [`  WARNING          ${s.singleResourceWarning}`] : []),
    `  Token validation ${c.tokenValidation}`,
    `  Redirect URIs to register in Logto for your client (${clientRedirectUris(c.clientRedirectUris).source}):`,
    ...clientRedirectUris(c.clientRedirectUris).uris.map((u) => `    ${u}`),
    `    (${WHERE_INSPECTOR_REDIRECT_URI}; set CLIENT_REDIRECT_URIS to the ones you use)`,
    `  Try it:          npx @modelcontextprotocol/inspector  → Streamable HTTP, ${s.mcpUrl}`,
    ...(dev ? [`  Demo users:      alice / alice-password, bob / bob-password`] : []),
    // The human banner only (stderr), never the structured log: a development secret, new per start.
    ...(s.devM2m
      ? [
          `  Management API   ${s.devM2m.endpoint}/api   (M2M app, development only: client credentials, resource ${s.devM2m.resource}, scope all)`,
          `    LOGTO_M2M_APP_ID=${s.devM2m.appId}`,
          `    LOGTO_M2M_APP_SECRET=${s.devM2m.appSecret}`,
        ]
      : []),
    `  whoami profile   ${c.profileFields.length && (s.devM2m || c.managementApi) ? c.profileFields.join(', ') : 'off (no M2M app)'}`,
    '',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}
