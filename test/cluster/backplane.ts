/**
 * What the two-replica tests (cluster.test.ts, trust.test.ts) stand on besides the replicas and
 * nginx: a private CA and certificate, a TLS-only redis-server with an ACL user, and the dev IdP
 * with both of this server's resources (`${base}/mcp`, `${base}/sse`) registered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';
import { freePort } from '../support/harness.js';
import type { Proc } from '../../bench/support/processes.js';
import { makeCertificates, startSecureRedis, type Tls } from './secure.js';

export interface Backplane {
  tls: Tls;
  redis: Proc;
  redisPort: number;
  redisDir: string;
  idp: DevIdp;
}

/** Starts the backplane for a deployment whose public URL is `base`. */
export async function startBackplane(base: string): Promise<Backplane> {
  const redisPort = await freePort();
  const redisDir = mkdtempSync(join(tmpdir(), 'lwm-redis-'));
  const tls = makeCertificates();
  const redis = await startSecureRedis(redisPort, redisDir, tls);
  const idp = await startDevIdp({ port: 0, resources: { [`${base}/mcp`]: ['whoami:read'], [`${base}/sse`]: ['whoami:read'] }, logger: { info() {}, warn() {}, error() {} } });
  return { tls, redis, redisPort, redisDir, idp };
}

/** Stops what `startBackplane` started (any part of it that did start) and removes its files. */
export async function stopBackplane(b: Partial<Backplane>): Promise<void> {
  await b.idp?.close();
  await b.redis?.stop();
  if (b.redisDir) rmSync(b.redisDir, { recursive: true, force: true });
  if (b.tls) rmSync(b.tls.dir, { recursive: true, force: true });
}
