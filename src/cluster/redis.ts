import { createClient } from 'redis';
import type { Logger } from '../log.js';

/** Every key this server writes starts with this. */
export const KEY_PREFIX = 'lwm:';

export type RedisClient = ReturnType<typeof createClient>;

export interface RedisLink {
  readonly client: RedisClient;
  /** True while connected: callers skip Redis (and fall back to local behaviour) otherwise. */
  readonly up: boolean;
  /** Called on every (re)connection, e.g. to publish this replica's sessions again after a Redis restart. */
  onReady(listener: () => void): void;
  close(): Promise<void>;
}

/**
 * One node-redis client for the process. Tuned to fail fast rather than wait: with Redis down a
 * command rejects at once (`disableOfflineQueue`) and a connected but silent Redis times out after
 * `commandTimeoutMs` (node-redis 5's per-command `timeout`), so no request ever waits on Redis.
 * Reconnects forever, backing off to 2 s: recovery needs no restart.
 */
export function connectRedis(url: string, logger: Logger, commandTimeoutMs = 1000, onError: () => void = () => {}): RedisLink {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: commandTimeoutMs },
    socket: {
      connectTimeout: commandTimeoutMs,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
    },
  });
  const listeners: Array<() => void> = [];
  let wasUp = false;
  let lastError = '';
  // Without an 'error' listener node-redis would crash the process on the first lost connection.
  client.on('error', (error: Error) => {
    onError();
    const message = error.message || error.name;
    // One line per outage, not one per reconnect attempt.
    if (wasUp || message !== lastError) logger.warn({ reason: message }, 'redis unreachable: falling back to local state');
    wasUp = false;
    lastError = message;
  });
  client.on('ready', () => {
    wasUp = true;
    lastError = '';
    logger.info('redis connected');
    for (const listener of listeners) listener();
  });
  // connect() rejects when the first attempt fails, but the client keeps retrying on its own.
  client.connect().catch(() => {});
  return {
    client,
    get up() {
      return client.isReady;
    },
    onReady(listener) {
      listeners.push(listener);
      if (client.isReady) listener();
    },
    async close() {
      if (client.isOpen) await client.close().catch(() => client.destroy());
      else client.destroy();
    },
  };
}
