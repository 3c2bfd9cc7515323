import { localhostAllowedHostnames, validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import type { MiddlewareHandler } from 'hono';
import { answer } from './answer.js';
import { HttpError } from './errors.js';

export interface GuardOptions {
  /** Browser origins allowed exactly (scheme, host and port): the server's own and ALLOWED_ORIGINS. */
  allowedOrigins: ReadonlySet<string>;
  /**
   * Host *names* (no port) accepted in `Host` — and, for http(s) origins, in `Origin` — on any port;
   * undefined → `Host` is not checked (the server is not on loopback: a proxy decides).
   */
  allowedHostnames: readonly string[] | undefined;
}

/**
 * The names a loopback listener answers to, whatever the port: `localhost`, `127.0.0.1`, `[::1]`
 * (the SDK's `localhostAllowedHostnames()`) and PUBLIC_URL's host name.
 */
export function loopbackHostnames(publicUrl: URL): string[] {
  return [...new Set([...localhostAllowedHostnames(), publicUrl.hostname.toLowerCase()])];
}

const ORIGIN_NOT_ALLOWED = new HttpError(403, 'forbidden', { description: 'origin not allowed' });
const HOST_NOT_ALLOWED = new HttpError(403, 'forbidden', { description: 'host not allowed' });

/**
 * DNS-rebinding and cross-site protection for the MCP endpoints (the SDK leaves it off by default):
 * a present `Origin` that is not allowed, or a `Host` that is not this server's, gets 403 before
 * any authentication work — and so before any call to the identity provider.
 *
 * DNS rebinding is about the host *name* a browser resolved, so on loopback names are compared and
 * ports are not (as the SDK's `validateHostHeader` / `validateOriginHeader` do): a transparent local
 * proxy, tunnel or TLS terminator on another port keeps working. Which origins may *read* responses
 * is still CORS's exact list, enforced by the browser.
 */
export function originGuard(options: GuardOptions): MiddlewareHandler {
  // Copied once: the SDK's validators take a mutable array, and this runs on every MCP request.
  const names = options.allowedHostnames ? [...options.allowedHostnames] : undefined;
  const hostAllowed = names ? hostVerdicts(names) : undefined;
  // Not async: it only decides, and returns `next()`'s promise as it is.
  return (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && !options.allowedOrigins.has(origin)) {
      const byName = names && /^https?:\/\//i.test(origin) && validateOriginHeader(origin, names).ok;
      if (!byName) return Promise.resolve(answer(ORIGIN_NOT_ALLOWED));
    }
    if (hostAllowed && !hostAllowed(c.req.header('host'))) return Promise.resolve(answer(HOST_NOT_ALLOWED));
    return next();
  };
}

/** How many distinct Host values keep their verdict (a client sending many cannot grow the memo). */
const MAX_REMEMBERED_HOSTS = 16;

/**
 * The SDK's `validateHostHeader` verdict for a Host value, remembered: it parses `http://<host>` as a
 * URL on every call, and a server sees the same one or two Host values on every request. The verdict
 * is a pure function of the value; past {@link MAX_REMEMBERED_HOSTS} values it is computed each time.
 */
function hostVerdicts(names: string[]): (host: string | undefined) => boolean {
  const verdicts = new Map<string, boolean>();
  return (host) => {
    if (host === undefined) return validateHostHeader(host, names).ok;
    let ok = verdicts.get(host);
    if (ok === undefined) {
      ok = validateHostHeader(host, names).ok;
      if (verdicts.size < MAX_REMEMBERED_HOSTS) verdicts.set(host, ok);
    }
    return ok;
  };
}
