import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log.js';
import { createAudit } from '../../src/observe/audit.js';
import { composeObserver } from '../../src/observe/compose.js';
import { NOOP_OBSERVER, type ToolCallEvent } from '../../src/observe/observer.js';
import { LogCapture } from '../support/harness.js';

const event: ToolCallEvent = { tool: 'whoami', era: '2026-07-28', transport: 'streamable-http', outcome: 'ok', seconds: 0.0012, issuer: 'https://t.example/oidc', subject: 'u1', clientId: 'c1' };

describe('the audit line and the level it is written at', () => {
  it('LOG_LEVEL info: one line per tool call', () => {
    const out = new LogCapture();
    const audit = createAudit(createLogger('info', out));
    assert.ok(audit);
    audit(event);
    const lines = out.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!['audit'], 'tool_call');
    assert.equal(lines[0]!['sub'], 'u1');
  });

  it('LOG_LEVEL warn: no audit at all, so with no metrics and no tracing the tool calls go unobserved', () => {
    const out = new LogCapture();
    const audit = createAudit(createLogger('warn', out));
    assert.equal(audit, undefined);
    assert.equal(composeObserver({ audit }), NOOP_OBSERVER);
    assert.equal(out.text, '');
  });
});
