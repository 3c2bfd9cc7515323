import type { SharedCache } from '../auth/cache.js';
import type { Logger } from '../log.js';
import { NOOP_OBSERVER, type Observer } from '../observe/observer.js';
import type { Secret } from '../secret.js';
import type { SessionRegistry } from '../transports/sessions.js';
import { RedisSessionDirectory } from './directory.js';
import { ForwardVerifier } from './forward-auth.js';
import { IntegrityLog } from './integrity.js';
import { connectRedis, type RedisLink } from './redis.js';
import { sessionRoute } from './route.js';
import { ClusterKeys } from './seal.js';
import { createSharedCache } from './shared-cache.js';

export interface ClusterOptions {
  redisUrl: string;
  replicaId: string;
  replicaUrl: string;
  idleTimeoutMs: number;
  maxSessions: number;
  maxPerOwner: number;
  /** The upstream (IdP) timeout: bounds lock holding, waiting for another replica, forwarding. */
  upstreamTimeoutMs: number;
  /** CLUSTER_SECRET: seals what the replicas share and signs their forwards (./seal.ts). */
  secret: Secret;
  logger: Logger;
  /** Told of forwards, shared-cache lookups and Redis failures. */
  observer?: Observer | undefined;
}

export interface Cluster {
  readonly replicaId: string;
  readonly directory: RedisSessionDirectory;
  readonly sharedCache: SharedCache;
  /** Starts heartbeats once the registry exists (it needs the directory first). */
  attach(registry: SessionRegistry): void;
  /** Middleware for `/mcp` (Mcp-Session-Id) and `/messages` (?sessionId=). */
  route(kind: 'streamable' | 'sse'): ReturnType<typeof sessionRoute>;
  /** For /readyz. */
  redisUp(): boolean;
  /** Leaves the directory (this replica's sessions are gone), then disconnects. */
  close(): Promise<void>;
}

/**
 * Everything several replicas share through Redis (REDIS_URL): the validation cache level for
 * opaque tokens, and the session directory that routes a request to the replica holding its
 * session and keeps the session caps cluster-wide. Without REDIS_URL none of this is loaded.
 */
export function startCluster(options: ClusterOptions): Cluster {
  const logger = options.logger.child({ component: 'cluster', replica: options.replicaId });
  const observer = options.observer ?? NOOP_OBSERVER;
  const link: RedisLink = connectRedis(options.redisUrl, logger, undefined, () => observer.redisError('connection'));
  const keys = new ClusterKeys(options.secret.reveal());
  const integrity = new IntegrityLog(logger, observer);
  const forwards = new ForwardVerifier(keys, options.replicaId);
  const directory = new RedisSessionDirectory(link, {
    replicaId: options.replicaId,
    replicaUrl: options.replicaUrl,
    idleTimeoutMs: options.idleTimeoutMs,
    maxSessions: options.maxSessions,
    maxPerOwner: options.maxPerOwner,
    logger,
    observer,
    keys,
    integrity,
  });
  let registry: SessionRegistry | undefined;
  return {
    replicaId: options.replicaId,
    directory,
    sharedCache: createSharedCache(link, { lockMs: options.upstreamTimeoutMs + 1000, logger, keys, integrity, observer }),
    attach(sessions) {
      registry = sessions;
      directory.start(() => sessions.snapshot());
    },
    route(kind) {
      if (!registry) throw new Error('cluster: attach the session registry first');
      return sessionRoute({
        kind,
        registry,
        directory,
        replicaId: options.replicaId,
        forwardTimeoutMs: options.upstreamTimeoutMs + 2000,
        logger,
        keys,
        forwards,
        integrity,
        observer,
      });
    },
    redisUp: () => link.up,
    async close() {
      await directory.close();
      await link.close();
    },
  };
}
