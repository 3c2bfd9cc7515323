/**
 * A fetch for the server (and its embedded dev IdP) under test that never leaves loopback: a request
 * to any other host is refused before a connection is opened, and recorded. Third-party MCP clients
 * (Claude Code, Codex) send a client ID metadata document URL on their vendor's site by default; with
 * this fetch the dev IdP cannot fetch it — the sign-in fails with invalid_client instead of a packet
 * leaving the machine, and the test can say which URL was asked for.
 */
import { isLoopbackHost } from '../../src/shared/loopback-host.js';

export interface LoopbackOnlyFetch {
  fetch: typeof fetch;
  /** Every non-loopback URL that was refused, in order. */
  readonly refused: readonly string[];
}

export function loopbackOnlyFetch(base: typeof fetch = globalThis.fetch): LoopbackOnlyFetch {
  const refused: string[] = [];
  const guarded: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!isLoopbackHost(url.hostname)) {
      refused.push(url.href);
      throw new TypeError(`test fetch: ${url.origin} is not loopback — no test may send a packet off this machine`);
    }
    return base(input, init);
  };
  return { fetch: guarded, refused };
}
