import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { announcedUrls, loadConfig, singleResourceWarning } from '../../src/config.js';
import { exitCodeOf, renderChecklist, type Check } from '../../src/tenant/doctor/checklist.js';
import { checkConfiguration } from '../../src/tenant/doctor/config-checks.js';
import { nearMiss } from '../../src/tenant/doctor/near-miss.js';

describe('doctor: near misses of an API identifier', () => {
  const cases: Array<[string, string, RegExp | undefined]> = [
    ['http://localhost:3001', 'http://localhost:3001/', /trailing slash too many/],
    ['http://localhost:3001/', 'http://localhost:3001', /missing trailing slash/],
    ['https://mcp.example.com/', 'http://mcp.example.com/', /scheme \(http instead of https\)/],
    ['http://localhost:3001/', 'http://localhost:3002/', /port \(3002 instead of 3001\)/],
    ['https://mcp.example.com/', 'https://mcp.example.com:8443/', /port \(8443 instead of default\)/],
    ['https://mcp.example.com/', 'https://MCP.example.com/', /spelling/],
    ['https://mcp.example.com/', 'https://mcp.example.com:443/', /spelling/],
    ['http://localhost:3001/', 'https://localhost:3002', /scheme.*port|trailing/],
    ['https://mcp.example.com/', 'https://other.example.com/', undefined],
    ['https://mcp.example.com/mcp', 'https://mcp.example.com/sse', undefined],
    ['https://mcp.example.com/mcp', 'https://mcp.example.com/', /names the whole server, not the endpoint \/mcp/],
    ['https://mcp.example.com/base/sse', 'https://mcp.example.com/base', /whole server/],
    ['https://mcp.example.com/mcp', 'https://mcp.example.com/mc', undefined],
    ['https://mcp.example.com/', 'https://mcp.example.com/', undefined],
    ['https://mcp.example.com/', 'not a url', undefined],
  ];
  for (const [wanted, candidate, reason] of cases) {
    it(`${wanted} vs ${candidate}: ${reason ?? 'not a near miss'}`, () => {
      const got = nearMiss(wanted, candidate);
      if (reason) assert.match(got ?? '', reason);
      else assert.equal(got, undefined);
    });
  }
});

describe('doctor: checklist', () => {
  const checks = (...statuses: Check['status'][]): Check[] => statuses.map((status, i) => ({ id: `c${i}`, status, summary: `check ${i}` }));
  it('exit code 1 only when a check failed (warn and skip do not)', () => {
    assert.equal(exitCodeOf(checks('ok', 'warn', 'skip')), 0);
    assert.equal(exitCodeOf(checks('ok', 'fail', 'warn')), 1);
  });
  it('renders marks, details and fixes', () => {
    const text = renderChecklist('t', [{ id: 'x', status: 'fail', summary: 'broken', details: ['near miss: y'], fix: 'do z' }]);
    assert.match(text, /\[FAIL\] broken\n\s+near miss: y\n\s+fix: do z/);
    assert.match(text, /1 check failed/);
  });
});

describe('doctor: configuration shape', () => {
  const status = (env: Record<string, string>, id: string) => checkConfiguration(loadConfig(env)).find((c) => c.id === id)?.status;
  it('PUBLIC_URL unset → warn; https → ok; http on a public host → fail', () => {
    assert.equal(status({}, 'config.public_url'), 'warn');
    assert.equal(status({ PUBLIC_URL: 'https://mcp.example.com' }, 'config.public_url'), 'ok');
    assert.equal(status({ PUBLIC_URL: 'http://mcp.example.com' }, 'config.public_url'), 'fail');
    assert.equal(status({ PUBLIC_URL: 'http://127.0.0.1:3001' }, 'config.public_url'), 'ok');
  });
  it('one config.resource check per announced resource; MCP_RESOURCE adds the single-resource warning', () => {
    const perEndpoint = checkConfiguration(loadConfig({ PUBLIC_URL: 'https://mcp.example.com' }));
    assert.deepEqual(
      perEndpoint.filter((c) => c.id === 'config.resource').map((c) => [c.status, c.summary.split(' ')[1]]),
      [['ok', 'https://mcp.example.com/mcp'], ['ok', 'https://mcp.example.com/sse']],
    );
    assert.equal(perEndpoint.find((c) => c.id === 'config.single_resource'), undefined);
    const single = checkConfiguration(loadConfig({ PUBLIC_URL: 'https://mcp.example.com', MCP_RESOURCE: 'https://mcp.example.com/' }));
    assert.deepEqual(single.filter((c) => c.id === 'config.resource').map((c) => c.summary.split(' ')[1]), ['https://mcp.example.com/']);
    const warning = single.find((c) => c.id === 'config.single_resource');
    assert.equal(warning?.status, 'warn');
    assert.match(warning?.summary ?? '', /Gemini CLI cannot sign in.*AI SDK/);
    // The banner's problem, whole: not a slice of the banner's line.
    assert.equal(warning?.summary, singleResourceWarning(announcedUrls(loadConfig({ PUBLIC_URL: 'https://mcp.example.com', MCP_RESOURCE: 'https://mcp.example.com/' })))?.problem);
    assert.match(warning?.fix ?? '', /unset MCP_RESOURCE, run with --setup/);
    assert.equal(status({ PUBLIC_URL: 'http://mcp.example.com' }, 'config.resource'), 'fail');
  });
});
