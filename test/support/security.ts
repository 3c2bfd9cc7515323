import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startServer, type RunningServer, type StartOptions } from '../../src/start/start-server.js';
import type { FakeIdp } from '../../bench/support/fake-idp.js';
import { SseStream } from '../../bench/support/sse-stream.js';
import { LogCapture } from './harness.js';

export type TestServer = RunningServer & { logs: LogCapture };

/**
 * Our server in front of the fake IdP (LOGTO_ENDPOINT on loopback). Waits for discovery unless
 * `waitReady` is false. Upstream timeout 500 ms so fault tests stay fast.
 */
export async function startAgainst(idp: FakeIdp, env: Record<string, string> = {}, waitReady = true, options: Omit<StartOptions, 'logDestination'> = {}): Promise<TestServer> {
  const logs = new LogCapture();
  const server = await startServer(
    { PORT: '0', LOGTO_ENDPOINT: idp.url, LOG_LEVEL: 'debug', UPSTREAM_TIMEOUT_MS: '500', ...env },
    { banner: false, ...options, logDestination: logs },
  );
  if (waitReady) await server.ready;
  return Object.assign(server, { logs });
}

export const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'security-suite', version: '1.0.0' } },
} as const;

export const whoamiCall = (id: number | string = 1) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'whoami', arguments: {} } });

const MCP_ACCEPT = 'application/json, text/event-stream';

/** POST /mcp with a bearer token (or raw headers) and a JSON body. */
export function postMcp(server: TestServer, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(server.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: MCP_ACCEPT, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * What the bearer gate says about `token` on POST /mcp initialize: 200, or the status and the
 * challenge's `error` (its grammar checked by {@link parseChallenge}); a 5xx carries no challenge.
 */
export async function gate(server: TestServer, token: string): Promise<{ status: number; error?: string }> {
  const res = await postMcp(server, INIT, bearer(token));
  await res.body?.cancel();
  if (res.status === 200) return { status: 200 };
  if (res.status === 503 || res.status === 500) return { status: res.status };
  const { params } = parseChallenge(res.headers.get('www-authenticate'));
  return { status: res.status, ...(params['error'] ? { error: params['error'] } : {}) };
}

/** initialize + notifications/initialized on /mcp; returns the session id. */
export async function openMcpSession(server: TestServer, token: string): Promise<string> {
  const res = await postMcp(server, INIT, bearer(token));
  assert.equal(res.status, 200, `initialize answered ${res.status}: ${await res.clone().text()}`);
  const id = res.headers.get('mcp-session-id');
  assert.ok(id, 'a session id');
  await res.body?.cancel();
  const ack = await postMcp(server, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...bearer(token), 'mcp-session-id': id });
  assert.equal(ack.status, 202);
  await ack.body?.cancel();
  return id;
}

/** tools/call whoami on a streamable session; returns the HTTP status and (on 200) the result's `sub`. */
export async function mcpWhoami(server: TestServer, token: string, sessionId: string, id: number | string = 7): Promise<{ status: number; sub?: string; id?: unknown }> {
  const res = await postMcp(server, whoamiCall(id), { ...bearer(token), 'mcp-session-id': sessionId });
  if (res.status !== 200) {
    await res.body?.cancel();
    return { status: res.status };
  }
  const body = (await res.json()) as { id: unknown; result?: { structuredContent?: { sub?: string } } };
  return { status: 200, id: body.id, ...(body.result?.structuredContent?.sub ? { sub: body.result.structuredContent.sub } : {}) };
}

/** GET /sse; on 200 returns the stream and the session id from its `endpoint` event. */
export async function openSse(server: TestServer, token: string): Promise<{ stream: SseStream; sessionId: string; messagesUrl: string }> {
  const abort = new AbortController();
  const res = await fetch(server.sseUrl, { headers: { ...bearer(token), accept: 'text/event-stream' }, signal: abort.signal });
  assert.equal(res.status, 200, `GET /sse answered ${res.status}`);
  const stream = new SseStream(res, abort);
  const endpoint = await stream.waitFor((e) => e.event === 'endpoint');
  const messagesUrl = new URL(endpoint.data, server.url).href;
  const sessionId = new URL(messagesUrl).searchParams.get('sessionId');
  assert.ok(sessionId);
  return { stream, sessionId, messagesUrl };
}

/** POST a JSON-RPC message to /messages for an SSE session. */
export function postMessage(server: TestServer, token: string, sessionId: string | undefined, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const url = new URL('/messages', server.url);
  if (sessionId !== undefined) url.searchParams.set('sessionId', sessionId);
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token), ...headers }, body: JSON.stringify(body) });
}

/** initialize + initialized over SSE; returns the open session. */
export async function openSseSession(server: TestServer, token: string) {
  const s = await openSse(server, token);
  const init = await postMessage(server, token, s.sessionId, INIT);
  assert.equal(init.status, 202);
  await init.body?.cancel();
  await s.stream.waitFor((e) => e.event === 'message' && JSON.parse(e.data).id === 1);
  const ack = await postMessage(server, token, s.sessionId, { jsonrpc: '2.0', method: 'notifications/initialized' });
  assert.equal(ack.status, 202);
  await ack.body?.cancel();
  return s;
}

/** A raw HTTP/1.1 exchange (for repeated headers and other things fetch will not send). */
export function rawRequest(port: number, request: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw request timed out'));
    }, timeoutMs);
    socket.on('data', (d) => {
      data += d.toString('latin1');
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
    socket.write(request);
  });
}

/** Status line + headers of a raw response. */
export function parseRaw(raw: string): { status: number; headers: Map<string, string[]>; body: string } {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(i + 1).trim()]);
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * A strict parser of one `WWW-Authenticate` challenge (RFC 9110 §11.6.1 + RFC 6750 §3):
 * `Bearer` scheme, `auth-param`s separated by `OWS "," OWS`, values tokens or quoted-strings with
 * only legal characters, no parameter twice. Throws on anything else.
 */
export function parseChallenge(header: string | null): { scheme: string; params: Record<string, string> } {
  assert.ok(header !== null, 'a WWW-Authenticate header');
  const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?: +(.*))?$/s.exec(header);
  assert.ok(m, `challenge grammar: ${header}`);
  const scheme = m[1]!;
  assert.equal(scheme, 'Bearer');
  const params: Record<string, string> = {};
  let rest = m[2] ?? '';
  while (rest.length > 0) {
    const p = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*(?:"((?:[\t \x21\x23-\x5b\x5d-\x7e]|\\[\t \x21-\x7e])*)"|([!#$%&'*+\-.^_`|~0-9A-Za-z]+))/.exec(rest);
    assert.ok(p, `auth-param grammar at: ${rest}`);
    const name = p[1]!.toLowerCase();
    assert.ok(TOKEN.test(name));
    assert.ok(!(name in params), `parameter ${name} appears once (RFC 6750 §3)`);
    params[name] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
    rest = rest.slice(p[0].length);
    if (rest.length === 0) break;
    const sep = /^[ \t]*,[ \t]*/.exec(rest);
    assert.ok(sep, `separator grammar at: ${rest}`);
    rest = rest.slice(sep[0].length);
    assert.ok(rest.length > 0, 'no trailing comma');
  }
  // RFC 6750 §3: error and error_description are restricted to visible ASCII minus `"` and `\`.
  for (const key of ['error', 'error_description']) {
    if (params[key] !== undefined) assert.match(params[key], /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/, `${key} charset`);
  }
  if (params['scope'] !== undefined) assert.match(params['scope'], /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'scope grammar');
  return { scheme, params };
}

/** Bounded wait until `check()` is true. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
