import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BearerProxy {
  /** Origin of the proxy, on the same hostname as the target (e.g. http://127.0.0.1:54321). */
  readonly origin: string;
  /** Requests forwarded so far. */
  readonly count: () => number;
  close(): Promise<void>;
}

/**
 * Test-only loopback reverse proxy that adds `Authorization: Bearer <token>` to every request and
 * streams the response back unchanged (SSE included). It is transparent: every other header —
 * Host and Origin included — reaches the target exactly as the client sent it, so the target's own
 * DNS-rebinding guard judges what a client behind a real local proxy (TLS terminator, tunnel) sends.
 * For clients that cannot send a header themselves (the MCP conformance suite).
 */
export async function startBearerProxy(target: string, getToken: () => string): Promise<BearerProxy> {
  const targetUrl = new URL(target);
  let forwarded = 0;

  const server: Server = createServer((req, res) => {
    forwarded++;
    const headers: IncomingHttpHeaders = { ...req.headers };
    headers.authorization = `Bearer ${getToken()}`;
    const upstream = request(
      { hostname: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bearer proxy: ${error.message}`);
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, targetUrl.hostname === 'localhost' ? '127.0.0.1' : targetUrl.hostname, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${targetUrl.hostname}:${port}`,
    count: () => forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
