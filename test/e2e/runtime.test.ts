/**
 * The Node lines the project supports (package.json "engines": 22 and 24, the LTS lines): the Node
 * running this suite is one of them, and the server starts on it without a runtime warning —
 * oidc-provider (the dev IdP) warns "Unsupported runtime. Use Node.js v22.x LTS" on Node 20.
 * CI runs `npm test` on both (`.ci/run`, binaries from `scripts/node.sh 22|24`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { spawnServer, type SpawnedServer } from '../support/spawn-server.js';

const engines = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }).engines.node;

describe('supported Node', () => {
  let server: SpawnedServer | undefined;
  after(() => server?.kill());

  it(`package.json engines names exactly the lines 22 and 24, and this Node (${process.version}) is one of them`, () => {
    assert.equal(engines, '^22.14.0 || ^24.0.0');
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    assert.ok(
      (major === 22 && minor >= 14) || major === 24,
      `Node ${process.version} is not supported (engines: ${engines}): run the suite on scripts/node.sh 22 or 24`,
    );
  });

  it('the server (with the dev IdP) starts without a warning about the Node version', async () => {
    server = await spawnServer({ LOG_LEVEL: 'info', DEV_IDP_PORT: '0' });
    // The dev IdP routes oidc-provider's notices into the log at info level (src/dev-idp/console-capture.ts).
    const output = `${server.stdout()}\n${server.stderr()}`;
    assert.match(output, /dev_idp\.started/, 'the log at info level is what this test reads');
    assert.doesNotMatch(output, /Unsupported runtime|Use Node\.js/i);
  });
});
