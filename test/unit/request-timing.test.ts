import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOOP_OBSERVER, type Observer } from '../../src/observe/observer.js';
import { inProcessApp } from '../support/in-process-app.js';

/** What the request metric was handed, one entry a request. */
type Sample = { route: string; method: string; status: number; era: string; seconds: number };

const realNow = performance.now.bind(performance);

/** GET /healthz with a clock that advances 1 ms at every reading: the answer's status and how many readings it took. */
async function timedHealthz(subject: { request(path: string): Promise<Response> }): Promise<{ status: number; readings: number }> {
  let readings = 0;
  performance.now = () => ++readings;
  try {
    const res = await subject.request('/healthz');
    return { status: res.status, readings };
  } finally {
    performance.now = realNow;
  }
}

describe('request timing: one clock reading serves the request metric and the log line', () => {
  it('metrics on: two readings a request (start, end); the metric and the log line give the same duration', async () => {
    const samples: Sample[] = [];
    const observer: Observer = { ...NOOP_OBSERVER, metrics: true, request: (route, method, status, era, seconds) => samples.push({ route, method, status, era, seconds }) };
    const subject = await inProcessApp({ observer });
    const from = subject.logs.chunks.length;
    assert.deepEqual(await timedHealthz(subject), { status: 200, readings: 2 });
    assert.deepEqual(samples, [{ route: '/healthz', method: 'GET', status: 200, era: 'none', seconds: 0.001 }]);
    const lines = subject.logs.chunks.slice(from).flatMap((chunk) => chunk.split('\n')).filter((l) => l.includes('"msg":"request"'));
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { ms: number }).ms), [1]);
  });

  it('metrics off: the log line alone reads the clock, start and end', async () => {
    const subject = await inProcessApp({ observer: NOOP_OBSERVER });
    assert.deepEqual(await timedHealthz(subject), { status: 200, readings: 2 });
  });
});
