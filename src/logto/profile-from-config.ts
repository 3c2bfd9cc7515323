import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Observer } from '../observe/observer.js';
import { Secret, type Scrubber } from '../secret.js';
import { createManagementClient } from './management-client.js';
import { createProfileLoader, type ProfileLoader } from './profile.js';

export interface ProfileLoaderSetup {
  config: Config;
  /** The Logto endpoint (LOGTO_ENDPOINT, or the dev IdP's origin). */
  endpoint: string;
  /** The dev IdP's own M2M app (development, no LOGTO_ENDPOINT). */
  devM2m?: { appId: string; appSecret: string; resource: string } | undefined;
  logger: Logger;
  /** Learns each M2M access token; a profile that holds one (or the secret) is refused. */
  scrubber?: Scrubber | undefined;
  fetch?: typeof fetch | undefined;
  /** Told of the Management API's token requests and calls. */
  observer?: Observer | undefined;
}

/**
 * whoami's profile loader for this configuration (the Management API client and the per-subject profile
 * cache behind it), or undefined (no M2M app, or WHOAMI_PROFILE_FIELDS=none).
 */
export function profileLoaderFromConfig(input: ProfileLoaderSetup): ProfileLoader | undefined {
  const { config, logger } = input;
  // With the dev IdP its own M2M app is the only one that can work (LOGTO_M2M_* belong to a tenant).
  const m2m = input.devM2m
    ? { appId: input.devM2m.appId, appSecret: new Secret(input.devM2m.appSecret), resource: input.devM2m.resource }
    : config.managementApi;
  if (!m2m || config.profileFields.length === 0) return undefined;
  const log = logger.child({ component: 'logto-management' });
  const client = createManagementClient({
    endpoint: input.endpoint,
    appId: m2m.appId,
    appSecret: m2m.appSecret,
    resource: m2m.resource,
    timeoutMs: config.upstreamTimeoutMs,
    ...(input.fetch ? { fetch: input.fetch } : {}),
    ...(input.scrubber ? { onToken: (value: string) => input.scrubber?.add(value) } : {}),
    observer: input.observer,
    onScopeMismatch: (scope) =>
      log.warn({ scope: scope ?? null }, 'the M2M token lacks the Management API permission `all`: assign the "Logto Management API access" role to the M2M app'),
  });
  return createProfileLoader({
    api: client.api,
    fields: config.profileFields,
    ttlSeconds: config.profileCacheTtl,
    maxEntries: Math.min(config.cacheMaxEntries, 10_000),
    concurrency: config.upstreamConcurrency,
    queueTimeoutMs: config.upstreamTimeoutMs,
    logger: log,
    ...(input.scrubber ? { leaks: (text: string) => input.scrubber?.leaks(text) ?? false } : {}),
  });
}
