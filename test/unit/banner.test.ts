import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { announcedUrls, loadConfig, singleResourceWarning } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { printBanner } from '../../src/start/banner.js';

/** The human banner (stderr) and the structured log lines of one printBanner call. */
function banner(env: Record<string, string>): { text: string; logs: Array<{ level: number; msg: string; resource?: string }> } {
  const config = loadConfig({ LOGTO_ENDPOINT: 'https://tenant.logto.app', ...env });
  const announced = announcedUrls(config);
  const destination = new PassThrough();
  const logged: string[] = [];
  destination.on('data', (chunk: Buffer) => logged.push(...chunk.toString().split('\n').filter(Boolean)));
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stderr.write;
  try {
    printBanner({ mcpUrl: `${announced.publicUrl}/mcp`, sseUrl: `${announced.publicUrl}/sse`, issuer: 'https://tenant.logto.app/oidc', announced, config }, createLogger('info', destination));
  } finally {
    process.stderr.write = write;
  }
  return { text: written.join(''), logs: logged.map((l) => JSON.parse(l) as { level: number; msg: string; resource?: string }) };
}

describe('banner: the announced resources and the single-resource warning', () => {
  it('per-endpoint resources: one line each, no warning', () => {
    const { text, logs } = banner({ PUBLIC_URL: 'https://mcp.example' });
    assert.match(text, /Resource \/mcp {4}https:\/\/mcp\.example\/mcp /);
    assert.match(text, /Resource \/sse {4}https:\/\/mcp\.example\/sse /);
    assert.doesNotMatch(text, /WARNING/);
    assert.equal(logs.filter((l) => l.level === 40).length, 0);
  });

  it('MCP_RESOURCE: one resource line, and the warning — the problem, then the move — on stderr and as a warn log line', () => {
    const { text, logs } = banner({ PUBLIC_URL: 'https://mcp.example', MCP_RESOURCE: 'https://mcp.example' });
    const warning = singleResourceWarning(announcedUrls(loadConfig({ PUBLIC_URL: 'https://mcp.example', MCP_RESOURCE: 'https://mcp.example' })));
    const line = `${warning?.problem}. To move: ${warning?.remedy}`;
    assert.match(text, /Resource {9}https:\/\/mcp\.example\/ /);
    assert.ok(text.includes(`\n  WARNING          ${line}\n`), text);
    assert.deepEqual(
      logs.filter((l) => l.level === 40).map((l) => [l.msg, l.resource]),
      [[line, 'https://mcp.example/']],
    );
  });
});
