import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { IntegrityLog } from '../../src/cluster/integrity.js';
import { createLogger } from '../../src/log.js';
import { composeObserver } from '../../src/observe/compose.js';
import { createMetrics } from '../../src/observe/metrics.js';

describe('cluster integrity failures reach the metrics', () => {
  it('each failed check counts once under its kind; every kind reads 0 from the start on a replica', async () => {
    const metrics = createMetrics({ openSessions: () => ({ 'streamable-http': 0, sse: 0 }), replicaId: 'r1', tools: ['whoami'] });
    const lines: string[] = [];
    const logger = createLogger('warn', new Writable({ write: (c: Buffer, _e, done) => (lines.push(String(c)), done()) }));
    const integrity = new IntegrityLog(logger, composeObserver({ metrics }));
    const read = async (kind: string) => {
      const m = new RegExp(`^logto_whoami_cluster_integrity_failures_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(await metrics.registry.metrics());
      return m ? Number(m[1]) : undefined;
    };
    for (const kind of ['validation', 'session', 'replica', 'count', 'forward']) assert.equal(await read(kind), 0, kind);
    integrity.failed('validation', 'bad-mac');
    integrity.failed('validation', 'expired');
    integrity.failed('forward', 'stale');
    assert.equal(await read('validation'), 2);
    assert.equal(await read('forward'), 1);
    assert.equal(await read('session'), 0);
    // The log stays rate-limited per kind (one line for the two validation failures), the counter does not.
    assert.equal(lines.filter((l) => l.includes('"kind":"validation"')).length, 1);
  });
});
