import type { Config } from '../config.js';
import type { DevIdp } from '../dev-idp/index.js';
import { isLoopbackHost } from '../shared/loopback-host.js';
import type { Logger } from '../log.js';
import { DiscoveryConfigError } from '../oidc/errors.js';

/** The dev IdP's machine-to-machine app for its Management API (dev only; new secret per start). */
export type DevM2m = DevIdp['m2m'];

/**
 * Refuses to run the development IdP where it must not (NODE_ENV=production or a non-loopback
 * HOST) — checked before anything listens.
 */
export function assertDevIdpAllowed(config: Config, nodeEnv: string | undefined): void {
  if (!config.logtoEndpoint && (nodeEnv === 'production' || !isLoopbackHost(config.host))) {
    throw new DiscoveryConfigError(
      'LOGTO_ENDPOINT is unset, so the development IdP would start — it refuses to with NODE_ENV=production or a non-loopback HOST. Set LOGTO_ENDPOINT.',
    );
  }
}

/**
 * Starts the embedded Logto-shaped IdP with every resource of this server (`audiences`: /mcp's and
 * /sse's, or MCP_RESOURCE alone) registered as an API resource, each with the same permissions.
 * Loaded lazily, so a production process never imports oidc-provider's dev wiring. `fetch` is what it
 * fetches client ID metadata documents with (default: global fetch).
 */
export async function startDevIdpFor(
  config: Config,
  audiences: readonly string[],
  logger: Logger,
  fetch?: typeof globalThis.fetch,
): Promise<DevIdp> {
  const { startDevIdp } = await import('../dev-idp/index.js');
  const scopes = config.requiredScopes.length ? [...config.requiredScopes] : ['whoami:read'];
  return startDevIdp({
    port: config.devIdpPort,
    resources: Object.fromEntries(audiences.map((a) => [a, [...scopes]])),
    logger: logger.child({ component: 'dev-idp' }),
    ...(fetch ? { fetch } : {}),
  });
}
