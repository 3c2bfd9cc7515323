import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { MIN_CLUSTER_SECRET_BYTES } from '../config.js';

/** A MAC is HMAC-SHA256 truncated to 128 bits (RFC 2104 §5: at least half the hash), base64url: 22 characters. */
const MAC_BYTES = 16;

/** Why a value was not believed. */
export type SealFailure = 'malformed' | 'bad-mac' | 'expired';

export type Opened = { ok: true; payload: string; expiresAt: number } | { ok: false; reason: SealFailure };

/**
 * The cluster's MACs, keyed by CLUSTER_SECRET (which is never in Redis): two keys derived with
 * HKDF-SHA256, one for values stored in Redis, one for requests one replica forwards to another,
 * so a MAC of one kind can never pass as the other. Every MAC covers a list of parts, each
 * length-prefixed, so no two different lists have the same input.
 */
export class ClusterKeys {
  readonly #values: Buffer;
  readonly #forwards: Buffer;

  constructor(secret: string) {
    if (Buffer.byteLength(secret) < MIN_CLUSTER_SECRET_BYTES) throw new Error(`CLUSTER_SECRET: at least ${MIN_CLUSTER_SECRET_BYTES} bytes`);
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'logto-whoami-mcp cluster', info, 32));
    this.#values = derive('redis values v1');
    this.#forwards = derive('forwarded requests v1');
  }

  /** The MAC of a value stored in Redis: `parts` start with the Redis key (and field) it lives under. */
  valueMac(parts: readonly string[]): string {
    return mac(this.#values, parts);
  }

  valueMacIs(parts: readonly string[], candidate: string): boolean {
    return same(mac(this.#values, parts), candidate);
  }

  forwardMac(parts: readonly string[]): string {
    return mac(this.#forwards, parts);
  }

  forwardMacIs(parts: readonly string[], candidate: string): boolean {
    return same(mac(this.#forwards, parts), candidate);
  }

  /**
   * A value for Redis key `key`: `<expiresAt ms>.<MAC>.<payload>`, the MAC over key, expiry and
   * payload — so it cannot be altered, moved to another key, or believed after `expiresAt`.
   */
  seal(key: string, expiresAt: number, payload: string): string {
    const exp = String(Math.floor(expiresAt));
    return `${exp}.${this.valueMac([key, exp, payload])}.${payload}`;
  }

  /** The payload of a value {@link seal}ed for `key`, if it is authentic and not past its expiry. */
  open(key: string, sealed: string, now = Date.now()): Opened {
    const dot1 = sealed.indexOf('.');
    const dot2 = sealed.indexOf('.', dot1 + 1);
    if (dot1 <= 0 || dot2 < 0) return { ok: false, reason: 'malformed' };
    const exp = sealed.slice(0, dot1);
    if (!/^\d{1,16}$/.test(exp)) return { ok: false, reason: 'malformed' };
    const payload = sealed.slice(dot2 + 1);
    if (!this.valueMacIs([key, exp, payload], sealed.slice(dot1 + 1, dot2))) return { ok: false, reason: 'bad-mac' };
    const expiresAt = Number(exp);
    if (expiresAt <= now) return { ok: false, reason: 'expired' };
    return { ok: true, payload, expiresAt };
  }
}

function mac(key: Buffer, parts: readonly string[]): string {
  const h = createHmac('sha256', key);
  for (const part of parts) h.update(`${Buffer.byteLength(part)}:`).update(part);
  return h.digest().subarray(0, MAC_BYTES).toString('base64url');
}

/** Constant-time comparison of two MACs (a wrong length is simply unequal). */
function same(expected: string, candidate: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(candidate);
  return a.length === b.length && timingSafeEqual(a, b);
}
