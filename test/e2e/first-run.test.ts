/**
 * The small edges a newcomer meets on a first run, each as it is met:
 * the token CLI finds the dev IdP on DEV_IDP_PORT (and names --issuer when it cannot); `npm run doctor`
 * says ".env not found" once, not twice; the README's compiled `--setup` says it needs the build and the
 * variables; whoami's output schema says the Logto profile is cached (a new role shows after the TTL);
 * docs/cli.md's transcript shows the `aud` (and `resource=`) the server announces for each endpoint.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { announcedUrls, loadConfig } from '../../src/config.js';
import { freePort, startTestServer, tokenFor } from '../support/harness.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a command in the repository, with only `env` beyond PATH/HOME; resolves with its exit code and output. */
async function command(file: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: ROOT, timeout: 60_000, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env } });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: e.stdout ?? '', err: e.stderr ?? '' };
  }
}

describe('first run', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let devIdpPort: number;
  before(async () => {
    devIdpPort = await freePort();
    server = await startTestServer({ DEV_IDP_PORT: String(devIdpPort), LOG_LEVEL: 'silent' });
  });
  after(async () => {
    await server?.close();
  });

  it('token-cli without --issuer asks the dev IdP on DEV_IDP_PORT', async () => {
    const r = await command(process.execPath, ['--import', 'tsx', 'src/dev-idp/token-cli.ts', '--user', 'alice'], { DEV_IDP_PORT: String(devIdpPort) });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out.trim(), /^[A-Za-z0-9_-]{20,}$/, 'an access token on stdout');
  });

  it('token-cli with nothing listening there names the issuer it asked and --issuer', async () => {
    const closed = await freePort();
    const r = await command(process.execPath, ['--import', 'tsx', 'src/dev-idp/token-cli.ts', '--user', 'alice'], { DEV_IDP_PORT: String(closed) });
    assert.equal(r.code, 1);
    assert.ok(r.err.includes(`http://localhost:${closed}/oidc`), r.err);
    assert.match(r.err, /pass --issuer/);
  });

  it('npm run doctor without a .env says ".env not found" once', { skip: existsSync(join(ROOT, '.env')) ? 'this checkout has a .env' : false }, async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = await command(npm, ['run', '--silent', 'doctor']);
    assert.equal(r.code, 1, 'no LOGTO_ENDPOINT: doctor fails');
    assert.equal(r.err.match(/\.env not found/g)?.length ?? 0, 1, r.err);
  });

  it('the README runs the compiled --setup only after npm run build and with the variables', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const uses = readme.split('\n').filter((line) => /dist\/index\.js --(setup|doctor)/.test(line));
    for (const line of uses) assert.match(line, /--env-file=\.env dist\/index\.js/, line);
    const paragraph = readme.split(/\n\s*\n/).find((p) => /dist\/index\.js --setup/.test(p)) ?? '';
    if (paragraph) assert.match(paragraph, /npm run build/);
    assert.match(readme, /npm run setup/);
  });

  it("whoami's output schema says the Logto profile is cached, and for how long", async () => {
    const client = new Client({ name: 'first-run', version: '1' });
    const token = await tokenFor(server, 'alice', 'jwt');
    await client.connect(new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    try {
      const { tools } = await client.listTools();
      const logto = (tools.find((t) => t.name === 'whoami')?.outputSchema as { properties?: Record<string, { description?: string }> } | undefined)?.properties?.['logto'];
      assert.match(logto?.description ?? '', /Cached per user for WHOAMI_PROFILE_CACHE_TTL seconds \(default 60\): a role or organization given in Logto just now shows once that has passed/);
    } finally {
      await client.close();
    }
  });

  it("docs/cli.md's transcript: each whoami's aud, and the printed sign-in URL's resource, are what the server announces", () => {
    const doc = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
    const port = /\$ logto-whoami-mcp client login http:\/\/localhost:(\d+)\/mcp/.exec(doc)?.[1];
    assert.ok(port, 'the transcript signs in to a local server');
    const { resources } = announcedUrls(loadConfig({ PORT: port }));
    const calls = [...doc.matchAll(/\$ logto-whoami-mcp client whoami (http:\/\/\S+)[^\n]*\n[\s\S]*?"aud": "([^"]+)"/g)];
    assert.ok(calls.length >= 2, 'whoami over /mcp and /sse');
    for (const [, url, aud] of calls) assert.equal(aud, new URL(url!).pathname === '/sse' ? resources.sse : resources.mcp, url);
    const printed = /\/auth\?\S*resource=([^&\s]+)/.exec(doc)?.[1];
    assert.equal(printed && decodeURIComponent(printed), resources.mcp);
  });

  it('the README stays a door: at most 120 lines, and its test commands are exactly what .ci/run runs', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    assert.ok(readme.split('\n').length <= 121, `README.md has ${readme.split('\n').length - 1} lines`);
    const block = /## Tests[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const listed = block.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const run = [...new Set([...ci.matchAll(/^on_node "\$node\d+" (npm (?:test|run test:\S+))$/gm)].map((m) => m[1]!))];
    assert.deepEqual([...listed].sort(), [...run].sort());
  });
});
