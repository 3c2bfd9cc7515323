import { hostname } from 'node:os';
import type { Cluster } from '../cluster/index.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Observer } from '../observe/observer.js';

/**
 * The Redis-backed pieces shared by replicas (src/cluster/), when REDIS_URL is set; undefined
 * otherwise — and then the cluster code (and node-redis) is never even loaded.
 */
export async function startClusterFor(config: Config, port: number, logger: Logger, observer?: Observer): Promise<Cluster | undefined> {
  if (!config.redisUrl || !config.clusterSecret) return undefined;
  const { startCluster } = await import('../cluster/index.js');
  return startCluster({
    redisUrl: config.redisUrl,
    replicaId: replicaIdOf(config),
    replicaUrl: config.replicaUrl ?? `http://${dialableHost(config.host)}:${port}`,
    idleTimeoutMs: config.sessionIdleTimeoutSeconds * 1000,
    maxSessions: config.maxSessions,
    maxPerOwner: config.maxSessionsPerSubject,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    secret: config.clusterSecret,
    logger,
    observer,
  });
}

/** This replica's name (REPLICA_ID, else hostname-pid). */
export function replicaIdOf(config: Config): string {
  return config.replicaId ?? `${hostname()}-${process.pid}`;
}

/** A host other replicas can dial: a wildcard listen address means "this machine's name". */
function dialableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return hostname();
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
