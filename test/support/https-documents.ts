import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/**
 * A real HTTPS server on 127.0.0.1 serving JSON documents (client ID metadata documents), with a
 * fresh self-signed certificate for `localhost`/`127.0.0.1` made by the `openssl` command, and a
 * `fetch` that trusts exactly that certificate — what the dev IdP is given to fetch documents with.
 * MCP clients insist on an https metadata URL, so a loopback http server cannot stand in.
 */
export interface HttpsDocuments {
  /** `https://127.0.0.1:<port>` */
  origin: string;
  /** Serve `body` (an object → JSON, a string as is) at `path`, with extra headers; `delayMs` holds the answer back. */
  serve(path: string, body: unknown, options?: { status?: number; headers?: Record<string, string>; delayMs?: number }): string;
  /** How many GETs `path` has had. */
  hits(path: string): number;
  /** fetch(), trusting this server's certificate (and the usual CAs for everything else). */
  fetch: typeof fetch;
  close(): Promise<void>;
}

interface Route {
  status: number;
  body: string;
  headers: Record<string, string>;
  delayMs: number;
}

export async function startHttpsDocuments(): Promise<HttpsDocuments> {
  const dir = mkdtempSync(join(tmpdir(), 'https-docs-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore', timeout: 10_000 });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error('these tests need the openssl command (apt-get install openssl)', { cause: error });
  }
  const key = readFileSync(join(dir, 'key.pem'));
  const cert = readFileSync(join(dir, 'cert.pem'));
  rmSync(dir, { recursive: true, force: true });

  const routes = new Map<string, Route>();
  const counts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer({ key, cert }, (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    const send = (): void => {
      res.writeHead(route.status, { 'content-type': 'application/json', ...route.headers }).end(route.body);
    };
    if (route.delayMs <= 0) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, route.delayMs);
    timers.add(timer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  const origin = `https://127.0.0.1:${port}`;

  /** Node's https with the test certificate as an extra trust anchor, wrapped as fetch (GET only: all the IdP does). */
  const trustingFetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== origin) return fetch(input, init);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
    return new Promise<Response>((resolve, reject) => {
      const req = request(url, {
        method: init?.method ?? 'GET',
        headers,
        ca: cert,
        ...(init?.signal ? { signal: init.signal } : {}),
      }, (res) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const bodyless = res.statusCode === 204 || res.statusCode === 304;
        resolve(new Response(bodyless ? null : (Readable.toWeb(res) as ReadableStream), { status: res.statusCode ?? 500, headers }));
      });
      req.once('error', reject);
      req.end();
    });
  };

  return {
    origin,
    serve(path, body, options = {}) {
      routes.set(path, {
        status: options.status ?? 200,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: options.headers ?? {},
        delayMs: options.delayMs ?? 0,
      });
      return `${origin}${path}`;
    },
    hits: (path) => counts.get(path) ?? 0,
    fetch: trustingFetch,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
