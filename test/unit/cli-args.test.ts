/** The CLI's protocol-era option and how it maps onto the SDK v2 client's version negotiation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCliArgs } from '../../src/cli/args.js';
import { CliError } from '../../src/cli/errors.js';
import { negotiationMode } from '../../src/cli/mcp.js';

const usage = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (error: unknown) => error instanceof CliError && error.code === 'usage' && message.test(error.message));

describe('--protocol-era', () => {
  it("defaults to auto, takes the eras by date, and MCP Inspector's names for them", () => {
    assert.equal(parseCliArgs(['whoami', 'http://127.0.0.1:1/mcp']).protocolEra, 'auto');
    for (const era of ['auto', '2026-07-28', '2025'] as const) {
      assert.equal(parseCliArgs(['whoami', 'http://127.0.0.1:1/mcp', '--protocol-era', era]).protocolEra, era);
    }
    assert.equal(parseCliArgs(['whoami', 'http://127.0.0.1:1/mcp', '--protocol-era', 'modern']).protocolEra, '2026-07-28');
    assert.equal(parseCliArgs(['whoami', 'http://127.0.0.1:1/mcp', '--protocol-era', 'legacy']).protocolEra, '2025');
  });

  it('rejects anything else, and 2026-07-28 over HTTP+SSE', () => {
    usage(() => parseCliArgs(['whoami', 'http://127.0.0.1:1/mcp', '--protocol-era', '2026']), /must be "auto", "2026-07-28" or "2025"/);
    usage(() => parseCliArgs(['whoami', 'http://127.0.0.1:1/mcp', '--protocol-era', 'constructor']), /must be "auto", "2026-07-28" or "2025"/);
    usage(() => parseCliArgs(['whoami', 'http://127.0.0.1:1/sse', '--transport', 'sse', '--protocol-era', '2026-07-28']), /needs --transport streamable/);
    usage(() => parseCliArgs(['whoami', 'http://127.0.0.1:1/sse', '--transport', 'sse', '--protocol-era', 'modern']), /needs --transport streamable/);
  });

  it('maps to the SDK negotiation mode: 2026-07-28 pins it, 2025 and SSE are the SDK\'s legacy (initialize)', () => {
    assert.deepEqual(negotiationMode('2026-07-28', 'streamable'), { pin: '2026-07-28' });
    assert.equal(negotiationMode('auto', 'streamable'), 'auto');
    assert.equal(negotiationMode('2025', 'streamable'), 'legacy');
    assert.equal(negotiationMode('auto', 'sse'), 'legacy');
    assert.equal(negotiationMode('2025', 'sse'), 'legacy');
    usage(() => negotiationMode('2026-07-28', 'sse'), /needs --transport streamable/);
  });
});
