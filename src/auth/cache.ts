import { hash } from 'node:crypto';
import type { Loaded } from '../shared/ttl-cache.js';

/**
 * SHA-256 of a token, base64url: the only form in which a token is ever kept. Node's one-shot
 * `crypto.hash` (Node ≥ 20.12): on every request, `createHash` built a native Hash object (a C++
 * object behind a global handle) only to digest one string.
 */
export function tokenHash(token: string): string {
  return hash('sha256', token, 'base64url');
}

/**
 * A cache level behind the token validation's own (authenticate.ts), e.g. one shared by replicas
 * (src/cluster/): called on a local miss with the key (a hash, never the token) and the upstream loader.
 */
export type SharedCache = <V>(key: string, load: () => Promise<Loaded<V>>) => Promise<Loaded<V>>;
