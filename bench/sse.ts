import { Agent, request, type IncomingMessage } from 'node:http';

/** One open 2024-11-05 HTTP+SSE stream: its POST endpoint, and JSON-RPC results by id as they arrive. */
export interface SseStream {
  /** Absolute URL of `POST /messages?sessionId=…`. */
  endpoint: URL;
  /** Resolves with the `data` of the `message` event whose JSON-RPC id is `id`. */
  waitFor(id: number, timeoutMs: number): Promise<string>;
  close(): void;
}

/** Opens `GET /sse` with a bearer token on its own socket and waits for the `endpoint` event. */
export function openSse(sseUrl: URL, token: string, timeoutMs = 10_000): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const waiters = new Map<number, (data: string) => void>();
    const early = new Map<number, string>();
    let buffer = '';
    let res: IncomingMessage | undefined;
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error('SSE endpoint event not received in time'));
    }, timeoutMs);
    const req = request(sseUrl, { agent: false, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (r) => {
      res = r;
      if (r.statusCode !== 200) {
        clearTimeout(timer);
        r.resume();
        reject(new Error(`GET /sse answered ${r.statusCode}`));
        return;
      }
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
          if (event === 'endpoint') {
            clearTimeout(timer);
            resolve({
              endpoint: new URL(data, sseUrl),
              waitFor(id, waitMs) {
                const got = early.get(id);
                if (got !== undefined) {
                  early.delete(id);
                  return Promise.resolve(got);
                }
                return new Promise<string>((ok, fail) => {
                  const t = setTimeout(() => {
                    waiters.delete(id);
                    fail(new Error(`no result for id ${id}`));
                  }, waitMs);
                  waiters.set(id, (d) => {
                    clearTimeout(t);
                    ok(d);
                  });
                });
              },
              close() {
                req.destroy();
                res?.destroy();
              },
            });
          } else if (event === 'message') {
            const id = (JSON.parse(data) as { id?: unknown }).id;
            if (typeof id !== 'number') continue;
            const waiter = waiters.get(id);
            if (waiter) {
              waiters.delete(id);
              waiter(data);
            } else early.set(id, data);
          }
        }
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

/** POSTs a JSON body on a keep-alive agent; resolves with the status. */
export function post(url: URL, body: string, headers: Record<string, string>, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface SseLoadResult {
  requests: number;
  errors: number;
  durationSeconds: number;
  /** Milliseconds, POST start → result event, unsorted. */
  latencies: number[];
}

/**
 * Closed-loop 2024-11-05 HTTP+SSE load: `connections` streams, each with one POST connection; every call
 * is `POST /messages` (202) and then the result read from the stream. A result without the
 * caller's `sub` counts as an error.
 */
export async function runSseLoad(o: { sseUrl: URL; token: string; sub: string; connections: number; durationMs: number }): Promise<SseLoadResult> {
  const streams = await Promise.all(Array.from({ length: o.connections }, () => openSse(o.sseUrl, o.token)));
  const headers = { authorization: `Bearer ${o.token}`, accept: 'application/json, text/event-stream' };
  const needle = `"sub":"${o.sub}"`;
  const result: SseLoadResult = { requests: 0, errors: 0, durationSeconds: 0, latencies: [] };
  const started = performance.now();
  const deadline = started + o.durationMs;
  await Promise.all(
    streams.map(async (stream) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        // The MCP handshake on this session.
        await post(stream.endpoint, JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }), headers, agent);
        await stream.waitFor(0, 10_000);
        await post(stream.endpoint, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers, agent);
        for (let id = 1; performance.now() < deadline; id++) {
          const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
          const t0 = performance.now();
          const [status, data] = await Promise.all([post(stream.endpoint, body, headers, agent), stream.waitFor(id, 10_000)]);
          result.latencies.push(performance.now() - t0);
          result.requests++;
          if (status !== 202 || !data.includes(needle) || data.includes('"isError":true')) result.errors++;
        }
      } catch {
        result.errors++;
      } finally {
        agent.destroy();
        stream.close();
      }
    }),
  );
  result.durationSeconds = (performance.now() - started) / 1000;
  return result;
}

/** Opens `count` authenticated SSE streams, `concurrency` at a time; all are kept open. */
export async function openMany(sseUrl: URL, token: string, count: number, concurrency: number): Promise<SseStream[]> {
  const opened: SseStream[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        opened.push(await openSse(sseUrl, token, 30_000));
      }
    }),
  );
  return opened;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
