import type { Server } from 'node:http';
import { isLoopbackHost } from '../shared/loopback-host.js';

/** True for an `http://` Origin on a loopback host (any port), e.g. the MCP Inspector at http://localhost:6274. */
export function isLoopbackOrigin(origin: string | undefined): boolean {
  if (!origin) return false;
  const url = URL.parse(origin);
  return url !== null && url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/** Resolves once `server` listens on host:port, rejects with the listen error (EADDRINUSE, …). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Stops accepting, drops keep-alive and in-flight sockets, resolves when the port is free. */
export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** Errors meaning "this machine has no such address family" — safe to ignore for the optional ::1 listener. */
export function isAddressUnavailable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT';
}
