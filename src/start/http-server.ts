import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type FetchHandler = (req: Request, env: unknown) => Response | Promise<Response>;

/** Slow-client cut-offs, ms (see StartOptions.httpTimeouts). */
export interface HttpTimeouts {
  headersMs?: number;
  requestMs?: number;
}

/**
 * The Node HTTP server around the Hono app, with its three phases: before the app is attached it
 * answers 503 "starting"; `drain()` makes every later request (also on kept-alive connections) get
 * 503 + `connection: close`; `close()` stops accepting and bounds the wait for in-flight requests.
 */
export interface HttpServer {
  readonly server: Server;
  /** Listens; resolves with the bound port (PORT=0 picks a free one). */
  listen(port: number, host: string): Promise<number>;
  /** Attaches the app once its dependencies (the public URL, hence the port) are known. */
  setHandler(handler: FetchHandler): void;
  drain(): void;
  /** Stops accepting; in-flight requests get `graceMs` to finish, then connections are dropped. */
  close(graceMs: number): Promise<void>;
}

export function createHttpServer(timeouts: HttpTimeouts = {}): HttpServer {
  const headersTimeoutMs = timeouts.headersMs ?? 10_000;
  const requestTimeoutMs = Math.max(headersTimeoutMs, timeouts.requestMs ?? 30_000);
  let handler: FetchHandler | undefined;
  let draining = false;
  const server = createAdaptorServer({
    fetch: (req, bindings) =>
      draining
        ? new Response('shutting down', { status: 503, headers: { connection: 'close', 'retry-after': '5' } })
        : handler
          ? handler(req, bindings)
          : new Response('starting', { status: 503 }),
    serverOptions: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: headersTimeoutMs,
      keepAliveTimeout: 5_000,
      // Node checks both timeouts only this often (default 30 s, which would let slowloris sockets live 40 s).
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(headersTimeoutMs / 2))),
    },
  }) as Server;

  return {
    server,
    listen: (port, host) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    setHandler: (h) => (handler = h),
    drain: () => (draining = true),
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
