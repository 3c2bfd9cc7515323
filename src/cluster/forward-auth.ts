import { randomBytes } from 'node:crypto';
import type { ClusterKeys } from './seal.js';

/** Marks a request one replica passed to another (its value: the replica it is meant for); the receiver never passes it on again. */
export const FORWARDED_HEADER = 'x-mcp-forwarded-to';
/** Proves a forwarded request comes from a replica with this CLUSTER_SECRET: `<from> <time ms> <nonce> <MAC>`. */
export const FORWARD_AUTH_HEADER = 'x-mcp-forward-auth';

/** How far a forward's time may be from the holder's clock (either way), ms. */
const FORWARD_WINDOW_MS = 30_000;

/** What a forward's MAC covers, besides its sender, time and nonce. */
export interface ForwardedRequest {
  /** The replica it is meant for. */
  to: string;
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** `Mcp-Session-Id` ('' when absent; the SSE session id is in the query). */
  sessionId: string;
  /** The caller's `Authorization` header ('' when absent): the token cannot be swapped on the way. */
  authorization: string;
}

const parts = (from: string, time: string, nonce: string, request: ForwardedRequest) => ['forward', from, request.to, time, nonce, request.method, request.path, request.sessionId, request.authorization];

/** The {@link FORWARD_AUTH_HEADER} value for a request `from` forwards. */
export function signForward(keys: ClusterKeys, from: string, request: ForwardedRequest, now = Date.now()): string {
  const time = String(now);
  const nonce = randomBytes(16).toString('base64url');
  return `${from} ${time} ${nonce} ${keys.forwardMac(parts(from, time, nonce, request))}`;
}

export type ForwardCheck = { ok: true; from: string } | { ok: false; reason: 'malformed' | 'bad-mac' | 'stale' | 'replayed' | 'misdirected' };

/**
 * Checks forwarded requests on the receiving replica: the MAC (so only a replica with this
 * CLUSTER_SECRET can forward, and method, path, session id and Authorization arrive as signed), that
 * it is meant for this replica, its time within {@link FORWARD_WINDOW_MS} of this clock, and its
 * nonce not seen before (each one is remembered for twice the window — after that its time is
 * stale anyway).
 */
export class ForwardVerifier {
  /** Nonce → when it may be forgotten; in arrival order, so expired ones are swept from the front. */
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly keys: ClusterKeys,
    private readonly me: string,
  ) {}

  check(header: string | undefined, request: ForwardedRequest, now = Date.now()): ForwardCheck {
    const [from, time, nonce, mac, extra] = (header ?? '').split(' ');
    if (!from || !time || !nonce || !mac || extra !== undefined || !/^\d{1,16}$/.test(time)) return { ok: false, reason: 'malformed' };
    if (!this.keys.forwardMacIs(parts(from, time, nonce, request), mac)) return { ok: false, reason: 'bad-mac' };
    if (request.to !== this.me) return { ok: false, reason: 'misdirected' };
    if (Math.abs(now - Number(time)) > FORWARD_WINDOW_MS) return { ok: false, reason: 'stale' };
    // Kept through `until` itself: a header signed 30 s ahead of this clock is still fresh at
    // arrival + 60 s exactly (the stale check is `> window`).
    for (const [seen, until] of this.#seen) {
      if (until >= now) break;
      this.#seen.delete(seen);
    }
    if (this.#seen.has(nonce)) return { ok: false, reason: 'replayed' };
    this.#seen.set(nonce, now + 2 * FORWARD_WINDOW_MS);
    return { ok: true, from };
  }
}
