import { createHash } from 'node:crypto';
import type { Logger } from '../log.js';
import { NOOP_OBSERVER, type Observer } from '../observe/observer.js';
import { SessionLimitError, type Session, type SessionDirectory } from '../transports/sessions.js';
import { KEY_PREFIX, type RedisLink } from './redis.js';
import { HEARTBEAT, LOCATE, RELEASE, RESERVE, runScript } from './scripts.js';

/** Where a session lives, as the directory knows it. */
export type Location =
  | { state: 'unknown' }
  /** Its replica stopped sending heartbeats: the session is gone. */
  | { state: 'dead' }
  | { state: 'alive'; ownerHash: string; replicaId: string; kind: string; url: string };

/** How long a lookup of a session held elsewhere is reused. */
const LOCATED_TTL_MS = 5_000;

/** Redis is unreachable: whether a session exists elsewhere cannot be known now. */
export class DirectoryUnavailableError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('session directory unavailable', options);
    this.name = 'DirectoryUnavailableError';
  }
}

export interface DirectoryOptions {
  replicaId: string;
  /** How the other replicas reach this one (forwarding). */
  replicaUrl: string;
  idleTimeoutMs: number;
  maxSessions: number;
  maxPerOwner: number;
  logger: Logger;
  /** Heartbeat period, ms (default 2000); a replica is dead `aliveMs` (default 3 × period) after its last one. */
  heartbeatMs?: number;
  aliveMs?: number;
  /** Told of every Redis failure. */
  observer?: Observer | undefined;
}

/** A session's entry (see ./scripts.ts for the key layout). */
const sessionKey = (id: string) => `${KEY_PREFIX}s:${id}`;

/** The directory's form of an owner (`iss`+`sub`): a hash, so subjects are not spelled out in Redis. */
export function ownerHash(owner: string): string {
  return createHash('sha256').update(owner).digest('base64url').slice(0, 22);
}

/**
 * The cluster-wide session directory in Redis: which replica holds each session and for whom,
 * session counts per replica (the caps), and a heartbeat per replica. A replica's entries stop
 * counting the moment its heartbeat lapses and expire on their own; on SIGTERM it removes them.
 * Every write that fails (Redis down) marks the mirror dirty; the next heartbeat that reaches
 * Redis rewrites this replica's whole state from the local registry — also after Redis restarts
 * empty — so the directory heals without a restart.
 */
export class RedisSessionDirectory implements SessionDirectory {
  readonly #link: RedisLink;
  readonly #o: Required<Omit<DirectoryOptions, 'logger' | 'observer'>> & { logger: Logger };
  readonly #observer: Observer;
  readonly #countsKey: string;
  #snapshot: () => { sessions: Session[]; reserved: ReadonlyMap<string, number> } = () => ({ sessions: [], reserved: new Map() });
  #timer: NodeJS.Timeout | undefined;
  #dirty = true;
  #closed = false;
  readonly #touched = new Map<string, number>();
  /**
   * Recent lookups of sessions held elsewhere, so a client's next calls skip the Redis round trip.
   * Safe to reuse: the holder checks token, owner and session itself, and a holder that is gone
   * refuses the connection (→ {@link forget}).
   */
  readonly #located = new Map<string, { where: Location; until: number }>();
  /** Writes on their way to Redis (see {@link settled}). */
  readonly #writes = new Set<Promise<unknown>>();

  constructor(link: RedisLink, options: DirectoryOptions) {
    const heartbeatMs = options.heartbeatMs ?? 2000;
    this.#link = link;
    const { observer, ...rest } = options;
    this.#o = { heartbeatMs, aliveMs: options.aliveMs ?? heartbeatMs * 3, ...rest };
    this.#observer = observer ?? NOOP_OBSERVER;
    this.#countsKey = `${KEY_PREFIX}counts:${options.replicaId}`;
  }

  /** Starts heartbeats; `snapshot` is the local registry's state, for resyncs. */
  start(snapshot: () => { sessions: Session[]; reserved: ReadonlyMap<string, number> }): void {
    this.#snapshot = snapshot;
    this.#link.onReady(() => {
      this.#dirty = true;
      void this.#beat();
    });
    this.#timer = setInterval(() => void this.#beat(), this.#o.heartbeatMs);
    this.#timer.unref();
  }

  async reserve(owner: string): Promise<void> {
    if (this.#link.up) {
      let verdict: unknown;
      try {
        verdict = await runScript(this.#link.client, RESERVE, {
          keys: [`${KEY_PREFIX}replicas`, `${KEY_PREFIX}urls`],
          arguments: [KEY_PREFIX, this.#o.replicaId, ownerHash(owner), String(this.#o.maxSessions), String(this.#o.maxPerOwner), String(this.#o.aliveMs * 2)],
        });
      } catch (error) {
        this.#failed(error);
        return;
      }
      if (verdict === 429 || verdict === 503) throw new SessionLimitError(verdict);
      return;
    }
    // Redis down: the local caps (already checked) are all there is; the resync counts this one later.
    this.#dirty = true;
  }

  unreserve(owner: string): void {
    this.#release(owner, this.#countsKey);
  }

  added(session: Session): void {
    if (this.#closed) return;
    if (!this.#link.up) {
      this.#dirty = true;
      return;
    }
    const [key, fields] = this.#entry(session);
    this.#track(this.#link.client.multi().hSet(key, fields).pExpire(key, this.#o.idleTimeoutMs).exec());
  }

  /**
   * Resolves once the writes already sent have landed (or failed; each is bounded by the command
   * timeout). A replica awaits it before answering, so whatever the client does next — on any
   * replica — already sees the session it opened or closed.
   */
  async settled(): Promise<void> {
    if (this.#writes.size > 0) await Promise.allSettled([...this.#writes]);
  }

  #track(write: Promise<unknown>): void {
    const tracked = write.catch((error: unknown) => this.#failed(error)).finally(() => this.#writes.delete(tracked));
    this.#writes.add(tracked);
  }

  removed(session: Session): void {
    this.#touched.delete(session.id);
    this.#release(session.owner, sessionKey(session.id));
  }

  /** Keeps an active session's entry from expiring (at most once per tenth of the idle timeout). */
  touch(id: string): void {
    const now = Date.now();
    if (this.#closed || !this.#link.up || now - (this.#touched.get(id) ?? 0) < this.#o.idleTimeoutMs / 10) return;
    this.#touched.set(id, now);
    // Not tracked: nothing a client does next depends on it.
    this.#link.client.pExpire(sessionKey(id), this.#o.idleTimeoutMs).catch((error: unknown) => this.#failed(error));
  }

  /** Where session `id` lives. Throws {@link DirectoryUnavailableError} when Redis cannot tell. */
  async locate(id: string): Promise<Location> {
    const known = this.#located.get(id);
    if (known && known.until > Date.now()) return known.where;
    if (!this.#link.up) throw new DirectoryUnavailableError();
    let reply: unknown;
    try {
      reply = await runScript(this.#link.client, LOCATE, { keys: [sessionKey(id), `${KEY_PREFIX}replicas`, `${KEY_PREFIX}urls`] });
    } catch (error) {
      this.#observer.redisError('directory');
      throw new DirectoryUnavailableError({ cause: error });
    }
    if (!Array.isArray(reply)) return { state: 'unknown' };
    const [o, r, k, url] = reply.map(String) as [string, string, string, string];
    if (!url) return { state: 'dead' };
    const where: Location = { state: 'alive', ownerHash: o, replicaId: r, kind: k, url };
    if (this.#located.size >= 10_000) this.#located.clear();
    this.#located.set(id, { where, until: Date.now() + LOCATED_TTL_MS });
    return where;
  }

  /** Drops the entry of a session whose replica refused the connection (it is gone). */
  forget(id: string): void {
    this.#located.delete(id);
    if (this.#link.up) this.#link.client.del(sessionKey(id)).catch(() => {});
  }

  /** Removes this replica from the directory (its sessions, counts, heartbeat). Bounded by the command timeout. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    if (!this.#link.up) return;
    const m = this.#link.client
      .multi()
      .zRem(`${KEY_PREFIX}replicas`, this.#o.replicaId)
      .hDel(`${KEY_PREFIX}urls`, this.#o.replicaId)
      .del(this.#countsKey);
    for (const s of this.#snapshot().sessions) m.del(sessionKey(s.id));
    await m.exec().catch(() => {});
  }

  #release(owner: string, sessionKey: string): void {
    if (this.#closed) return;
    if (!this.#link.up) {
      this.#dirty = true;
      return;
    }
    this.#track(runScript(this.#link.client, RELEASE, { keys: [this.#countsKey, sessionKey], arguments: [ownerHash(owner)] }));
  }

  /** A held session's directory entry: its key, and owner hash, replica, kind. */
  #entry(session: Session): [key: string, fields: { o: string; r: string; k: string }] {
    return [sessionKey(session.id), { o: ownerHash(session.owner), r: this.#o.replicaId, k: session.kind }];
  }

  #failed(error: unknown): void {
    this.#dirty = true;
    this.#observer.redisError('directory');
    this.#o.logger.debug({ reason: error instanceof Error ? error.message : String(error) }, 'session directory: redis write failed');
  }

  /** Heartbeat; when dirty, first rewrites this replica's counts and session entries from the registry. */
  async #beat(): Promise<void> {
    if (this.#closed || !this.#link.up) return;
    const client = this.#link.client;
    try {
      if (this.#dirty) {
        this.#dirty = false;
        const { sessions, reserved } = this.#snapshot();
        const counts = new Map<string, number>();
        const bump = (o: string, n: number) => counts.set(o, (counts.get(o) ?? 0) + n);
        for (const s of sessions) bump(ownerHash(s.owner), 1);
        for (const [owner, n] of reserved) bump(ownerHash(owner), n);
        const total = [...counts.values()].reduce((a, b) => a + b, 0);
        const m = client.multi().del(this.#countsKey);
        if (total > 0) m.hSet(this.#countsKey, { '*': total, ...Object.fromEntries(counts) });
        for (const s of sessions) {
          const [key, fields] = this.#entry(s);
          m.hSet(key, fields).pExpire(key, this.#o.idleTimeoutMs);
        }
        await m.exec();
        this.#o.logger.info({ sessions: sessions.length }, 'session directory: replica state published');
      }
      await runScript(client, HEARTBEAT, {
        keys: [`${KEY_PREFIX}replicas`, `${KEY_PREFIX}urls`, this.#countsKey],
        arguments: [this.#o.replicaId, this.#o.replicaUrl, String(this.#o.aliveMs)],
      });
    } catch (error) {
      this.#failed(error);
    }
  }
}
