/** The CLI's protocol-era option and how it maps onto the SDK v2 client's version negotiation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCliArgs } from '../../src/cli/args.js';
import { CliError } from '../../src/cli/errors.js';
import { negotiationMode } from '../../src/cli/mcp.js';

const usage = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (error: unknown) => error instanceof CliError && error.code === 'usage' && message.test(error.message));

describe('--protocol-era', () => {
  it('defaults to auto, and takes the SDK/Inspector names', () => {
    assert.equal(parseCliArgs(['whoami', 'http://127.0.0.1:1/mcp']).protocolEra, 'auto');
    for (const era of ['auto', 'modern', 'legacy'] as const) {
      assert.equal(parseCliArgs(['whoami', 'http://127.0.0.1:1/mcp', '--protocol-era', era]).protocolEra, era);
    }
  });

  it('rejects anything else, and modern over HTTP+SSE', () => {
    usage(() => parseCliArgs(['whoami', 'http://127.0.0.1:1/mcp', '--protocol-era', '2026-07-28']), /must be "auto", "modern" or "legacy"/);
    usage(() => parseCliArgs(['whoami', 'http://127.0.0.1:1/sse', '--transport', 'sse', '--protocol-era', 'modern']), /needs --transport streamable/);
  });

  it('maps to the SDK negotiation mode: modern pins 2026-07-28, SSE is always legacy', () => {
    assert.deepEqual(negotiationMode('modern', 'streamable'), { pin: '2026-07-28' });
    assert.equal(negotiationMode('auto', 'streamable'), 'auto');
    assert.equal(negotiationMode('legacy', 'streamable'), 'legacy');
    assert.equal(negotiationMode('auto', 'sse'), 'legacy');
    usage(() => negotiationMode('modern', 'sse'), /needs --transport streamable/);
  });
});
