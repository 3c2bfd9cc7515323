import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log.js';
import { clientCredentialsSource } from '../../src/logto/client-credentials.js';
import { ManagementApiError } from '../../src/logto/errors.js';
import { Scrubber, Secret } from '../../src/secret.js';

const SECRET = 'sEcReT-"quoted"\\-0123456789';

/** A token endpoint as an injected fetch: records each request, answers what `answer` returns. */
function endpoint(answer: (body: URLSearchParams) => Response) {
  const seen: Array<{ url: string; init: RequestInit; body: URLSearchParams }> = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    const body = new URLSearchParams(String(init?.body));
    seen.push({ url: String(url), init: init ?? {}, body });
    return answer(body);
  }) as typeof fetch;
  const source = clientCredentialsSource({
    tokenEndpoint: 'https://tenant.example/oidc/token',
    clientId: 'm2m-app',
    clientSecret: new Secret(SECRET),
    resource: 'https://default.logto.app/api',
    timeoutMs: 1_000,
    maxBytes: 4096,
    fetch: fetchImpl,
  });
  return { source, seen };
}

const json = (status: number, body: unknown, statusText?: string) =>
  new Response(JSON.stringify(body), { status, ...(statusText ? { statusText } : {}), headers: { 'content-type': 'application/json' } });

describe('the M2M client-credentials request', () => {
  it("sends what @logto/api's ClientCredentials sends, never follows a redirect, and caches until 60 s before expiry", async () => {
    const { source, seen } = endpoint(() => json(200, { access_token: 'tok-1', expires_in: 3600, scope: 'all' }));
    const token = await source.getAccessToken();
    assert.equal(token.value, 'tok-1');
    assert.equal(token.scope, 'all');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.init.method, 'POST');
    assert.equal(seen[0]!.init.redirect, 'manual');
    assert.deepEqual(Object.fromEntries(seen[0]!.body), {
      grant_type: 'client_credentials',
      client_id: 'm2m-app',
      client_secret: SECRET,
      resource: 'https://default.logto.app/api',
      scope: 'all',
    });
    await source.getAccessToken();
    assert.equal(seen.length, 1, 'cached');
  });

  it('a 307/308 is token_failed naming the redirect, and nothing is re-sent', async () => {
    for (const status of [301, 302, 307, 308]) {
      const { source, seen } = endpoint(() => new Response(null, { status, headers: { location: 'https://attacker.example/steal' } }));
      await assert.rejects(source.getAccessToken(), (e: unknown) => e instanceof ManagementApiError && e.code === 'token_failed' && e.message.includes(`redirect (HTTP ${status})`));
      assert.equal(seen.length, 1);
    }
  });

  it('an error answer names the status and a standard OAuth error code — never text the endpoint chose', async () => {
    const { source } = endpoint((body) => json(401, { error: 'invalid_client', error_description: `bad ${body.get('client_secret')}` }, `Unauthorized ${body.get('client_secret')}`));
    await assert.rejects(source.getAccessToken(), (e: unknown) => {
      assert.ok(e instanceof ManagementApiError);
      assert.equal(e.message, 'the M2M token endpoint answered HTTP 401: invalid_client');
      return true;
    });
    const odd = endpoint((body) => json(400, { error: `x-${body.get('client_secret')}` }));
    await assert.rejects(odd.source.getAccessToken(), (e: unknown) => e instanceof Error && e.message === 'the M2M token endpoint answered HTTP 400');
  });

  it('a 200 without a usable token is token_failed; every token obtained is told to onToken', async () => {
    const { source } = endpoint(() => json(200, { token_type: 'Bearer' }));
    await assert.rejects(source.getAccessToken(), (e: unknown) => e instanceof ManagementApiError && e.code === 'token_failed');
    const told: string[] = [];
    const ok = clientCredentialsSource({
      tokenEndpoint: 'https://tenant.example/oidc/token', clientId: 'a', clientSecret: new Secret('b'), resource: 'r', timeoutMs: 1000, maxBytes: 4096,
      fetch: (async () => json(200, { access_token: 'tok-told', expires_in: 10 })) as typeof fetch,
      onToken: (v) => told.push(v),
    });
    await ok.getAccessToken();
    assert.deepEqual(told, ['tok-told']);
  });
});

describe('the log scrubber', () => {
  it('no log line, at any level, holds the M2M secret or a learnt access token, raw or JSON-escaped', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(String(chunk)), done()) });
    const scrubber = new Scrubber();
    scrubber.addSecret(new Secret(SECRET));
    const log = createLogger('trace', sink, scrubber);
    scrubber.add('m2m-access-token-123456');
    log.trace({ reason: `upstream said ${SECRET}` }, `status text ${SECRET}`);
    log.warn({ nested: { token: 'x', echoed: 'Bearer m2m-access-token-123456' } }, 'echo');
    log.info('ordinary line');
    assert.equal(lines.length, 3);
    for (const line of lines) {
      assert.ok(!line.includes('sEcReT') && !line.includes('m2m-access-token-123456'), line);
      JSON.parse(line); // still valid JSON
    }
    assert.match(lines[0]!, /\[redacted\]/);
    assert.equal(scrubber.leaks(JSON.stringify({ name: 'm2m-access-token-123456' })), true);
    assert.equal(scrubber.leaks('nothing here'), false);
  });

  it('keeps every line valid JSON and redacts only the value itself: a secret starting or ending with a backslash, or one that reads like the tail of an escape', () => {
    const cases: Array<{ secret: string; near: string }> = [
      { secret: 'trailing-backslash-0123456789\\', near: 'trailing-backslash-0123456789"' },
      { secret: '\\leading-backslash-0123456789', near: 'leading-backslash-0123456789' },
      // `\n` followed by the rest of the secret is a newline, not the secret.
      { secret: 'nSECRETVALUE-0123456789', near: 'a\nSECRETVALUE-0123456789' },
      // `\u001f` followed by the rest: a control character, not the secret.
      { secret: '1fSECRETVALUE-0123456789', near: 'a\u001fSECRETVALUE-0123456789' },
    ];
    for (const { secret, near } of cases) {
      const lines: string[] = [];
      const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(String(chunk)), done()) });
      const scrubber = new Scrubber();
      scrubber.addSecret(new Secret(secret));
      createLogger('info', sink, scrubber).warn({ echoed: `x${secret}y`, near }, `status text ${secret}`);
      const line = JSON.parse(lines[0]!) as Record<string, string>;
      assert.equal(line['echoed'], 'x[redacted]y', JSON.stringify(secret));
      assert.equal(line['msg'], 'status text [redacted]', JSON.stringify(secret));
      assert.equal(line['near'], near, `${JSON.stringify(secret)}: text that is not the secret is left alone`);
    }
  });
});
