/**
 * `npm run test:cluster`: a real Prometheus scrapes both replicas' metrics listeners
 * (METRICS_PORT, loopback) while whoami calls go through nginx; a PromQL query through its HTTP API
 * sums the calls over the replicas and must equal the calls this test made. Two replicas behind a
 * real nginx, sharing a real redis-server and one dev IdP, as in cluster.test.ts — all on loopback.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEV_USERS, startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';
import { getDevToken } from '../../src/dev-idp/token-helper.js';
import { freePort } from '../support/harness.js';
import { headers2026_07_28, request2026_07_28 } from '../support/requests-2026-07-28.js';
import { prometheusConfig, startNginx, startPrometheus, startRedis, type Proc } from '../../bench/support/processes.js';
import { startReplica } from './start-replica.js';

const CALLS = 40;
const CLUSTER_SECRET = 'prometheus-test-secret-0123456789abcdef-01234567';
const REQUEST_LIMIT_MS = 15_000;
const alice = DEV_USERS.find((u) => u.username === 'alice')!;

let idp: DevIdp;
let redis: Proc;
let prometheus: Proc;
let nginx: Proc & { prefix: string };
const replicas: Proc[] = [];
let base: string;
let promUrl: string;
let dir: string;
const metricsTargets: string[] = [];

/** One PromQL instant query through Prometheus's HTTP API. */
async function promql(query: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
  const body = (await res.json()) as { status: string; data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data.result;
}

interface Target {
  scrapeUrl: string;
  health: string;
  lastScrape: string;
  lastError: string;
}
async function targets(): Promise<Target[]> {
  const res = await fetch(`${promUrl}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
  return ((await res.json()) as { data: { activeTargets: Target[] } }).data.activeTargets;
}

/**
 * Waits (bounded) until Prometheus has scraped every replica successfully after `since`: the one
 * named cause of waiting here is its scrape interval (1 s) — what a query sees is the last scrape.
 */
async function scrapedAfter(since: number, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ts = await targets();
    if (ts.length === 2 && ts.every((t) => t.health === 'up' && Date.parse(t.lastScrape) > since)) return;
    if (Date.now() > deadline) throw new Error(`Prometheus did not scrape both replicas in time: ${JSON.stringify(ts)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Prometheus scrapes both replicas behind nginx', { timeout: 300_000 }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lwm-prometheus-'));
    const nginxPort = await freePort();
    base = `http://127.0.0.1:${nginxPort}`;
    const redisPort = await freePort();
    redis = await startRedis(redisPort, dir);
    idp = await startDevIdp({ port: 0, resources: { [`${base}/mcp`]: ['whoami:read'], [`${base}/sse`]: ['whoami:read'] }, logger: { info() {}, warn() {}, error() {} } });
    const ports: number[] = [];
    for (const id of ['r1', 'r2']) {
      const port = await freePort();
      const metricsPort = await freePort();
      ports.push(port);
      metricsTargets.push(`127.0.0.1:${metricsPort}`);
      replicas.push(
        await startReplica({
          PORT: String(port),
          PUBLIC_URL: base,
          LOGTO_ENDPOINT: idp.origin,
          REDIS_URL: `redis://127.0.0.1:${redisPort}`,
          CLUSTER_SECRET,
          REPLICA_ID: id,
          METRICS_PORT: String(metricsPort),
        }),
      );
    }
    nginx = await startNginx(nginxPort, ports);
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    prometheus = await startPrometheus(promPort, dir, prometheusConfig({ metricsTargets }));
  });

  after(async () => {
    await prometheus?.stop();
    await nginx?.stop();
    await Promise.allSettled(replicas.map((r) => r.stop()));
    await idp?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`${CALLS} whoami calls through nginx: PromQL sums them over both replicas, and each replica took some`, async () => {
    const before = Date.now();
    await scrapedAfter(before);
    const [already] = await promql('sum(logto_whoami_tool_calls_total{tool="whoami"})');
    assert.equal(Number(already?.value[1] ?? 0), 0, 'no calls before the test makes them');

    const token = (await getDevToken({ issuer: idp.issuer, username: alice.username, password: alice.password, resource: `${base}/mcp` })).access_token;
    const seen = new Map<string, number>();
    for (let i = 0; i < CALLS; i++) {
      const body = request2026_07_28('tools/call', { name: 'whoami', arguments: {} }, i);
      const res = await fetch(`${base}/mcp`, {
        method: 'POST',
        headers: headers2026_07_28(body, { authorization: `Bearer ${token}` }),
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_LIMIT_MS),
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.equal((JSON.parse(text) as { result?: { structuredContent?: { sub?: string } } }).result?.structuredContent?.sub, alice.sub);
      const replica = res.headers.get('x-replica') ?? '?';
      seen.set(replica, (seen.get(replica) ?? 0) + 1);
    }
    const done = Date.now();
    await scrapedAfter(done);

    const up = await promql('sum(up{job="logto-whoami"})');
    assert.equal(Number(up[0]?.value[1]), 2, 'both replicas are up targets');
    const [sum] = await promql('sum(logto_whoami_tool_calls_total{tool="whoami",era="2026-07-28",outcome="ok"})');
    assert.equal(Number(sum?.value[1]), CALLS, 'the PromQL sum over replicas equals the calls made');
    // Per replica, as Prometheus sees it (replica_info joins the instance to REPLICA_ID), equal to what nginx spread.
    const byReplica = await promql('sum by (replica) (logto_whoami_tool_calls_total{tool="whoami"} * on (instance) group_left (replica) logto_whoami_replica_info)');
    const perReplica = Object.fromEntries(byReplica.map((r) => [r.metric['replica']!, Number(r.value[1])]));
    assert.deepEqual(perReplica, Object.fromEntries(seen), 'per replica: the X-Replica counts nginx produced');
    assert.ok(Object.values(perReplica).every((n) => n > 0) && Object.keys(perReplica).length === 2, JSON.stringify(perReplica));
    const [requests] = await promql('sum(logto_whoami_http_requests_total{route="/mcp",method="POST",status="200",era="2026-07-28"})');
    assert.equal(Number(requests?.value[1]), CALLS);
  });
});
