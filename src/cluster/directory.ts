import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import { NOOP_OBSERVER, type Observer } from '../observe/observer.js';
import { SessionLimitError, type Session, type SessionDirectory } from '../transports/sessions.js';
import type { IntegrityLog } from './integrity.js';
import { KEY_PREFIX, type RedisLink } from './redis.js';
import type { ClusterKeys } from './seal.js';
import { HEARTBEAT, LOCATE, RESERVE, runScript } from './scripts.js';

/** Where a session lives, as the directory knows it. */
export type Location =
  | { state: 'unknown' }
  /** Its replica stopped sending heartbeats: the session is gone. */
  | { state: 'dead' }
  | { state: 'alive'; replicaId: string; kind: string; url: string };

/** How long a lookup of a session held elsewhere is reused. */
const LOCATED_TTL_MS = 5_000;

/**
 * A replica's URL entry is believed this long past its own aliveness window: the writer's and the
 * reader's clocks may disagree by up to this much (replicas' clocks are expected to agree within
 * seconds, NTP). Liveness itself comes from Redis' clock (./scripts.ts).
 */
const URL_SLACK_MS = 30_000;

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
  /** Seal what this replica writes, check what it reads (CLUSTER_SECRET). */
  keys: ClusterKeys;
  integrity: IntegrityLog;
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
 *
 * Nothing read back is believed unless a replica with this CLUSTER_SECRET wrote it (./seal.ts):
 * - a session entry carries a MAC over its key, replica, kind and expiry — and no owner: whether
 *   a caller may use a session is decided by its holder alone, from the caller's own token;
 * - a replica's URL entry (`urls`) is sealed with its key and an expiry, and names the replica's
 *   epoch — a random value of this process;
 * - each count (`counts:<replica>`, one field per owner hash and `*`) carries a MAC over its key,
 *   the writer's epoch, the field and the number. Only its replica writes a counts hash (from its
 *   own local tally, {@link #counts}), so no script needs to add numbers: RESERVE writes this
 *   replica's new counts and hands back the others' sealed ones in one atomic step, and the sum is
 *   made here from the ones that check out, under the epoch of an authentic, unexpired URL entry —
 *   so a dead replica's counts cannot be revived past its URL entry's expiry, nor a restarted
 *   replica's old ones, and a replica without an authentic URL entry counts for nothing.
 * A session entry or URL entry that fails its check is a miss (the session is unknown here: the
 * handler's 404; nothing is forwarded). A count that fails is not read as any number: the
 * reservation is refused (as if the cap were reached, with Retry-After) and its replica is asked
 * to republish, which it does at its next heartbeat. Every failure is counted and logged without
 * the value (./integrity.ts). What a MAC cannot stop is a deletion (or an older authentic value put
 * back): a replica then looks as if it held fewer sessions, and the caps are at worst each
 * replica's local caps, as with Redis down — until its next heartbeat, which reads its whole
 * counts hash back, compares it with what it last wrote ({@link #written}) and rewrites the hash
 * when any field differs, is missing or is extra.
 */
export class RedisSessionDirectory implements SessionDirectory {
  readonly #link: RedisLink;
  readonly #options: Required<Omit<DirectoryOptions, 'logger' | 'observer'>> & { logger: Logger };
  readonly #observer: Observer;
  readonly #countsKey: string;
  /** This process's epoch: its counts are sealed with it, its URL entry names it. */
  readonly #epoch = randomBytes(12).toString('base64url');
  /** This replica's sessions and reservations per owner hash (the truth its counts hash mirrors), and their sum. */
  readonly #counts = new Map<string, number>();
  #total = 0;
  /** Reservations whose RESERVE is on its way (a resync must keep counting them). */
  readonly #inflight = new Map<string, number>();
  /**
   * This replica's counts hash as its own writes left it: field → sealed value (no field, no
   * entry). Every write to the hash goes out on the one connection, in order, so at the moment a
   * heartbeat runs Redis holds exactly this unless someone else wrote to it. At most one field per
   * owner with a session or reservation here, plus `*`.
   */
  readonly #written = new Map<string, string>();
  /** The kind of each session held here (a touch rewrites the whole sealed entry). */
  readonly #held = new Map<string, Session['kind']>();
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
    this.#options = { heartbeatMs, aliveMs: options.aliveMs ?? heartbeatMs * 3, ...rest };
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
    this.#timer = setInterval(() => void this.#beat(), this.#options.heartbeatMs);
    this.#timer.unref();
  }

  async reserve(owner: string): Promise<void> {
    const ownerKey = ownerHash(owner);
    this.#bump(ownerKey, 1);
    if (!this.#link.up) {
      // Redis down: the local caps (already checked) are all there is; the resync publishes this one later.
      this.#dirty = true;
      return;
    }
    // The numbers as written in this step are the ones the caps are checked against.
    const total = this.#total;
    const mine = this.#counts.get(ownerKey) ?? 0;
    const sealedTotal = this.#sealCount('*', total);
    const sealedMine = this.#sealCount(ownerKey, mine);
    this.#written.set('*', sealedTotal).set(ownerKey, sealedMine);
    this.#inflight.set(ownerKey, (this.#inflight.get(ownerKey) ?? 0) + 1);
    let reply: unknown;
    try {
      reply = await runScript(this.#link.client, RESERVE, {
        keys: [`${KEY_PREFIX}replicas`, `${KEY_PREFIX}urls`],
        arguments: [KEY_PREFIX, this.#options.replicaId, ownerKey, sealedTotal, sealedMine, String(this.#options.aliveMs * 2)],
      });
    } catch (error) {
      this.#failed(error);
      return;
    } finally {
      const left = (this.#inflight.get(ownerKey) ?? 1) - 1;
      if (left > 0) this.#inflight.set(ownerKey, left);
      else this.#inflight.delete(ownerKey);
    }
    let all = total;
    let owners = mine;
    const others = Array.isArray(reply) ? reply.map(String) : [];
    for (let i = 0; i + 3 < others.length; i += 4) {
      const [id, urlEntry, t, m] = others.slice(i, i + 4) as [string, string, string, string];
      // Not an authentic replica (no valid URL entry): nothing of it counts.
      const replica = this.#openUrlEntry(id, urlEntry);
      if (!replica) continue;
      all += this.#openCount(id, replica.epoch, '*', t);
      owners += this.#openCount(id, replica.epoch, ownerKey, m);
    }
    const verdict = owners > this.#options.maxPerOwner ? 429 : all > this.#options.maxSessions ? 503 : 0;
    if (verdict === 0) return;
    this.#bump(ownerKey, -1);
    this.#publish(ownerKey);
    throw new SessionLimitError(verdict);
  }

  unreserve(owner: string): void {
    this.#release(ownerHash(owner));
  }

  added(session: Session): void {
    this.#held.set(session.id, session.kind);
    if (this.#closed) return;
    if (!this.#link.up) {
      this.#dirty = true;
      return;
    }
    const [key, fields] = this.#entry(session.id)!;
    this.#track(this.#link.client.multi().hSet(key, fields).pExpire(key, this.#options.idleTimeoutMs).exec());
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
    this.#held.delete(session.id);
    this.#release(ownerHash(session.owner), sessionKey(session.id));
  }

  /** Keeps an active session's entry from expiring (at most once per tenth of the idle timeout). */
  touch(id: string): void {
    const now = Date.now();
    if (this.#closed || !this.#link.up || now - (this.#touched.get(id) ?? 0) < this.#options.idleTimeoutMs / 10) return;
    const entry = this.#entry(id);
    if (!entry) return;
    this.#touched.set(id, now);
    // The entry's expiry is sealed into it: a longer life is a new entry. Not tracked: nothing a
    // client does next depends on it.
    const [key, fields] = entry;
    this.#link.client
      .multi()
      .hSet(key, fields)
      .pExpire(key, this.#options.idleTimeoutMs)
      .exec()
      .catch((error: unknown) => this.#failed(error));
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
    const [r, k, e, m, urlEntry] = reply.map(String) as [string, string, string, string, string];
    if (!this.#options.keys.valueMacIs([sessionKey(id), e, r, k], m)) {
      this.#options.integrity.failed('session', 'bad-mac');
      return { state: 'unknown' };
    }
    if (!(Number(e) > Date.now())) {
      this.#options.integrity.failed('session', 'expired');
      return { state: 'unknown' };
    }
    if (!urlEntry) return { state: 'dead' };
    const replica = this.#openUrlEntry(r, urlEntry);
    if (!replica) return { state: 'unknown' };
    const where: Location = { state: 'alive', replicaId: r, kind: k, url: replica.url };
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
      .zRem(`${KEY_PREFIX}replicas`, this.#options.replicaId)
      .hDel(`${KEY_PREFIX}urls`, this.#options.replicaId)
      .del(this.#countsKey);
    for (const s of this.#snapshot().sessions) m.del(sessionKey(s.id));
    await m.exec().catch(() => {});
  }

  /** One place less for `ownerKey` (an owner's hash), and the session entry `key` gone, if given. */
  #release(ownerKey: string, key?: string): void {
    this.#bump(ownerKey, -1);
    if (this.#closed) return;
    if (!this.#link.up) {
      this.#dirty = true;
      return;
    }
    this.#publish(ownerKey, key);
  }

  #bump(ownerKey: string, by: number): void {
    const n = Math.max(0, (this.#counts.get(ownerKey) ?? 0) + by);
    if (n > 0) this.#counts.set(ownerKey, n);
    else this.#counts.delete(ownerKey);
    this.#total = Math.max(0, this.#total + by);
  }

  /** Writes this replica's current count for `ownerKey` (an owner's hash) and its total (and deletes `key`, if given). */
  #publish(ownerKey: string, key?: string): void {
    const m = this.#link.client.multi();
    if (key) m.del(key);
    for (const [field, n] of [
      [ownerKey, this.#counts.get(ownerKey) ?? 0],
      ['*', this.#total],
    ] as const) {
      const sealed = n > 0 ? this.#sealCount(field, n) : '';
      if (sealed) m.hSet(this.#countsKey, field, sealed);
      else m.hDel(this.#countsKey, field);
      if (sealed) this.#written.set(field, sealed);
      else this.#written.delete(field);
    }
    this.#track(m.exec());
  }

  /** A count as stored: `n.MAC`, the MAC over the counts key, this process's epoch, the field and n. */
  #sealCount(field: string, n: number): string {
    return `${n}.${this.#options.keys.valueMac([this.#countsKey, this.#epoch, field, String(n)])}`;
  }

  /**
   * Replica `id`'s count from its counts hash, if authentic under `epoch`; absent → 0. One that is
   * there but not authentic is not believed either way: its true value is unknown, so it counts as
   * a full cap (Infinity: the reservation is refused with Retry-After, never let past a cap), it is
   * counted as an integrity failure, and replica `id` is asked to republish its counts (it does at
   * its next heartbeat, which heals it).
   */
  #openCount(id: string, epoch: string, field: string, raw: string): number {
    if (raw === '') return 0;
    const dot = raw.indexOf('.');
    const n = raw.slice(0, dot);
    if (dot > 0 && /^\d{1,9}$/.test(n) && this.#options.keys.valueMacIs([`${KEY_PREFIX}counts:${id}`, epoch, field, n], raw.slice(dot + 1))) return Number(n);
    this.#options.integrity.failed('count', dot > 0 ? 'bad-mac' : 'malformed');
    this.#link.client.set(`${KEY_PREFIX}repair:${id}`, '1', { expiration: { type: 'PX', value: this.#options.aliveMs * 2 } }).catch(() => {});
    return Infinity;
  }

  /** Replica `id`'s URL entry, if authentic and unexpired; undefined otherwise (counted unless absent). */
  #openUrlEntry(id: string, raw: string): { epoch: string; url: string } | undefined {
    if (raw === '') return undefined;
    const opened = this.#options.keys.open(`${KEY_PREFIX}urls#${id}`, raw);
    const space = opened.ok ? opened.payload.indexOf(' ') : -1;
    if (!opened.ok || space <= 0) {
      this.#options.integrity.failed('replica', opened.ok ? 'malformed' : opened.reason);
      return undefined;
    }
    return { epoch: opened.payload.slice(0, space), url: opened.payload.slice(space + 1) };
  }

  /**
   * A held session's directory entry: its key and its sealed fields (replica, kind, expiry, MAC).
   * No owner: who may use a session is decided by its holder alone, from the caller's token.
   */
  #entry(id: string): [key: string, fields: { r: string; k: string; e: string; m: string }] | undefined {
    const k = this.#held.get(id);
    if (!k) return undefined;
    const key = sessionKey(id);
    const e = String(Date.now() + this.#options.idleTimeoutMs);
    const r = this.#options.replicaId;
    return [key, { r, k, e, m: this.#options.keys.valueMac([key, e, r, k]) }];
  }

  #failed(error: unknown): void {
    this.#dirty = true;
    this.#observer.redisError('directory');
    this.#options.logger.debug({ reason: error instanceof Error ? error.message : String(error) }, 'session directory: redis write failed');
  }

  /** Adds to `batch` the rewrite of this replica's whole counts hash from {@link #written}. */
  #rewriteCounts(batch: ReturnType<RedisLink['client']['multi']>): ReturnType<RedisLink['client']['multi']> {
    batch.del(this.#countsKey);
    if (this.#written.size > 0) batch.hSet(this.#countsKey, Object.fromEntries(this.#written)).pExpire(this.#countsKey, this.#options.aliveMs * 2);
    return batch;
  }

  /** Heartbeat; when dirty, first rewrites this replica's counts and session entries from the registry. */
  async #beat(): Promise<void> {
    if (this.#closed || !this.#link.up) return;
    const client = this.#link.client;
    try {
      if (this.#dirty) {
        this.#dirty = false;
        const { sessions, reserved } = this.#snapshot();
        this.#counts.clear();
        this.#total = 0;
        for (const s of sessions) this.#bump(ownerHash(s.owner), 1);
        for (const [owner, n] of reserved) this.#bump(ownerHash(owner), n);
        for (const [ownerKey, n] of this.#inflight) this.#bump(ownerKey, n);
        this.#written.clear();
        if (this.#total > 0) {
          this.#written.set('*', this.#sealCount('*', this.#total));
          for (const [ownerKey, n] of this.#counts) this.#written.set(ownerKey, this.#sealCount(ownerKey, n));
        }
        const m = this.#rewriteCounts(client.multi());
        for (const s of sessions) {
          this.#held.set(s.id, s.kind);
          const [key, fields] = this.#entry(s.id)!;
          m.hSet(key, fields).pExpire(key, this.#options.idleTimeoutMs);
        }
        await m.exec();
        this.#options.logger.info({ sessions: sessions.length }, 'session directory: replica state published');
      }
      // What Redis holds when the script runs, unless someone else wrote to the hash (see #written).
      const expected = new Map(this.#written);
      const urlEntry = this.#options.keys.seal(`${KEY_PREFIX}urls#${this.#options.replicaId}`, Date.now() + this.#options.aliveMs + URL_SLACK_MS, `${this.#epoch} ${this.#options.replicaUrl}`);
      const reply = await runScript(client, HEARTBEAT, {
        keys: [`${KEY_PREFIX}replicas`, `${KEY_PREFIX}urls`, this.#countsKey, `${KEY_PREFIX}repair:${this.#options.replicaId}`],
        // More fields than this replica can have (one per owner ≤ MAX_SESSIONS, and `*`): not sent back.
        arguments: [this.#options.replicaId, urlEntry, String(this.#options.aliveMs), String(this.#options.maxSessions + 1)],
      });
      const [repair = '', length = '0', ...fields] = Array.isArray(reply) ? reply.map(String) : [];
      // Another replica found a count of ours not authentic: publish everything again.
      if (repair) this.#dirty = true;
      // Any field changed, deleted, put back or added by someone else: the hash is rewritten at
      // once from what this replica wrote. A value that is the one written since the heartbeat was
      // sent is no difference (a script sent again after NOSCRIPT runs after those writes). The
      // whole hash gone (Redis restarted empty, or this replica was dropped as dead after a stall)
      // is no sign of tampering, and its session entries are published again too.
      if (length === '0' && expected.size > 0) this.#dirty = true;
      const seen = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) seen.set(fields[i]!, fields[i + 1]!);
      // Not sent back (more fields than it can have), a value neither expected nor since written, or one missing.
      let differs = seen.size !== Number(length);
      for (const [field, value] of seen) if (value !== expected.get(field) && value !== this.#written.get(field)) differs = true;
      for (const [field, value] of expected) if (!seen.has(field) && this.#written.get(field) === value) differs = true;
      if (differs) {
        if (length !== '0') this.#options.integrity.failed('count', 'own counts changed in redis');
        await this.#rewriteCounts(client.multi()).exec();
      }
    } catch (error) {
      this.#failed(error);
    }
  }
}
