import { singleResourceWarning, singleResourceWarningText, type AnnouncedUrls, type Config } from '../config.js';
import type { Logger } from '../log.js';
import { clientRedirectUris, WHERE_INSPECTOR_REDIRECT_URI } from '../shared/client-redirect-uris.js';

export interface BannerFacts {
  mcpUrl: string;
  sseUrl: string;
  issuer: string;
  /** Each endpoint's resource identifier, every distinct one (the Logto API identifiers to create), single-resource mode. */
  announced: AnnouncedUrls;
  config: Config;
  /** The dev IdP's M2M app, printed (development only) so the Management API can be tried by hand. */
  devM2m?: { appId: string; appSecret: string; resource: string; endpoint: string } | undefined;
}

/** One structured "listening" log line, and the human banner on stderr. */
export function printBanner(facts: BannerFacts, logger: Logger): void {
  const config = facts.config;
  const { resources, audiences } = facts.announced;
  // Without LOGTO_ENDPOINT the embedded development IdP is the issuer.
  const dev = !config.logtoEndpoint;
  logger.info(
    { mcp: facts.mcpUrl, sse: facts.sseUrl, issuer: facts.issuer, resources: audiences, tokenValidation: config.tokenValidation, stateless: config.stateless, devIdp: dev },
    'listening',
  );
  // Single-resource mode (MCP_RESOURCE): which clients cannot sign in, and how to move.
  const single = singleResourceWarning(facts.announced);
  const warning = single && singleResourceWarningText(single);
  if (warning) logger.warn({ resource: resources.mcp }, warning);
  const lines = [
    '',
    `  logto-whoami-mcp${dev ? ' (development IdP — not Logto)' : ''}`,
    `  Streamable HTTP  ${facts.mcpUrl}   (2026-07-28, 2025${config.stateless ? ' stateless' : ''})`,
    `  HTTP+SSE         ${facts.sseUrl}   (2024-11-05)`,
    `  Issuer           ${facts.issuer}`,
    ...(audiences.length === 1
      ? [`  Resource         ${resources.mcp}   (the Logto API identifier to create — exactly this, with any trailing /; /mcp and /sse)`]
      : [
          `  Resource /mcp    ${resources.mcp}   (the Logto API identifier to create — exactly this)`,
          `  Resource /sse    ${resources.sse}   (the Logto API identifier to create — exactly this; same permissions)`,
        ]),
    ...(warning ? [`  WARNING          ${warning}`] : []),
    `  Token validation ${config.tokenValidation}`,
    `  Redirect URIs to register in Logto for your client (${clientRedirectUris(config.clientRedirectUris).source}):`,
    ...clientRedirectUris(config.clientRedirectUris).uris.map((u) => `    ${u}`),
    `    (${WHERE_INSPECTOR_REDIRECT_URI}; set CLIENT_REDIRECT_URIS to the ones you use)`,
    `  Try it:          npx @modelcontextprotocol/inspector  → Streamable HTTP, ${facts.mcpUrl}`,
    ...(dev ? [`  Demo users:      alice / alice-password, bob / bob-password`] : []),
    // The human banner only (stderr), never the structured log: a development secret, new per start.
    ...(facts.devM2m
      ? [
          `  Management API   ${facts.devM2m.endpoint}/api   (M2M app, development only: client credentials, resource ${facts.devM2m.resource}, scope all)`,
          `    LOGTO_M2M_APP_ID=${facts.devM2m.appId}`,
          `    LOGTO_M2M_APP_SECRET=${facts.devM2m.appSecret}`,
        ]
      : []),
    `  whoami profile   ${config.profileFields.length && (facts.devM2m || config.managementApi) ? config.profileFields.join(', ') : 'off (no M2M app)'}`,
    '',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}
