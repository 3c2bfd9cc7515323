import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Identity } from '../auth/authenticate.js';
import { HttpError } from '../http/errors.js';
import { SERVER_ERROR } from '../http/jsonrpc.js';
import type { WebSseServerTransport } from './sse-transport.js';

/** Who a session belongs to: the same `sub` from another issuer is another subject. */
export function ownerOf(identity: Identity): string {
  // JSON keeps the pair injective whatever characters a `sub` (or issuer) carries.
  return JSON.stringify([identity.issuer, identity.subject]);
}

interface SessionBase {
  readonly id: string;
  readonly owner: string;
  lastSeen: number;
  /** Closes the MCP server and its transport; the transport's onclose removes the session. */
  close(): Promise<void>;
}
export type Session =
  | (SessionBase & { readonly kind: 'streamable'; readonly transport: WebStandardStreamableHTTPServerTransport })
  | (SessionBase & { readonly kind: 'sse'; readonly transport: WebSseServerTransport });

/** How long a client refused a session waits before asking again. */
const SESSION_RETRY_AFTER_SECONDS = 30;

/** A session cap was hit: 429 for one subject's cap, 503 for the global one (a JSON-RPC error with Retry-After). */
export class SessionLimitError extends HttpError {
  declare readonly status: 429 | 503;
  constructor(status: 429 | 503) {
    super(status, SERVER_ERROR, { description: status === 429 ? 'too many sessions for this user' : 'too many sessions', retryAfter: SESSION_RETRY_AFTER_SECONDS });
    this.name = 'SessionLimitError';
  }
}

/**
 * Where sessions are also recorded when several replicas share them (src/cluster/). The registry
 * stays the truth for the sessions this process holds; the directory mirrors them.
 */
export interface SessionDirectory {
  /** The caps across every replica: counts one more session for `owner`, or throws {@link SessionLimitError}. */
  reserve(owner: string): Promise<void>;
  /** A reserved place that never became a session. */
  unreserve(owner: string): void;
  added(session: Session): void;
  removed(session: Session): void;
}

export interface SessionRegistryOptions {
  idleTimeoutMs: number;
  maxSessions: number;
  maxPerOwner: number;
  directory?: SessionDirectory;
  now?: () => number;
}

/**
 * Live sessions of both transports, bound to the `iss`+`sub` that opened them. A lookup by another
 * owner finds nothing (the caller answers 404, as for an unknown id). Idle sessions are closed by a
 * sweep; closing a session removes it.
 */
export class SessionRegistry {
  readonly #sessions = new Map<string, Session>();
  readonly #perOwner = new Map<string, number>();
  /** Places reserved by sessions being opened (see {@link admit}). */
  readonly #pending = new Map<string, number>();
  #pendingTotal = 0;
  /** Directory reservations not yet turned into a session, per owner. */
  readonly #unclaimed = new Map<string, number>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(readonly options: SessionRegistryOptions) {
    this.#now = options.now ?? Date.now;
    this.#sweeper = setInterval(() => void this.sweep(), Math.min(options.idleTimeoutMs, 60_000));
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** {@link admit}'s local half: checks this process's caps and counts the place, or throws. */
  #reserve(owner: string): () => void {
    if ((this.#perOwner.get(owner) ?? 0) + (this.#pending.get(owner) ?? 0) >= this.options.maxPerOwner) throw new SessionLimitError(429);
    if (this.#sessions.size + this.#pendingTotal >= this.options.maxSessions) throw new SessionLimitError(503);
    this.#pending.set(owner, (this.#pending.get(owner) ?? 0) + 1);
    this.#pendingTotal++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#pendingTotal--;
      const left = (this.#pending.get(owner) ?? 1) - 1;
      if (left > 0) this.#pending.set(owner, left);
      else this.#pending.delete(owner);
    };
  }

  /**
   * Reserves a place for a session `owner` is about to open: here (one synchronous step, so
   * concurrent `initialize` requests cannot overshoot the caps), then — with a directory — across
   * every replica. Resolves to the release (idempotent): call it once the session is added, passing
   * `opened = true` so the directory keeps counting the place, or bare if opening it failed.
   * Rejects with {@link SessionLimitError}.
   */
  async admit(owner: string): Promise<(opened?: boolean) => void> {
    const releaseLocal = this.#reserve(owner);
    const directory = this.options.directory;
    if (!directory) return releaseLocal;
    try {
      await directory.reserve(owner);
    } catch (error) {
      releaseLocal();
      throw error;
    }
    this.#unclaimed.set(owner, (this.#unclaimed.get(owner) ?? 0) + 1);
    let released = false;
    return (opened = false) => {
      if (released) return;
      released = true;
      releaseLocal();
      const left = (this.#unclaimed.get(owner) ?? 1) - 1;
      if (left > 0) this.#unclaimed.set(owner, left);
      else this.#unclaimed.delete(owner);
      if (!opened) directory.unreserve(owner);
    };
  }

  add(session: Session): void {
    this.#sessions.set(session.id, session);
    this.#perOwner.set(session.owner, (this.#perOwner.get(session.owner) ?? 0) + 1);
    this.options.directory?.added(session);
  }

  /** True if this process holds a session with this id (whoever owns it). */
  has(id: string): boolean {
    return this.#sessions.has(id);
  }

  /** Every held session, and the places reserved but not yet opened per owner (for a directory resync). */
  snapshot(): { sessions: Session[]; reserved: ReadonlyMap<string, number> } {
    return { sessions: [...this.#sessions.values()], reserved: new Map(this.#unclaimed) };
  }

  /** The session if it exists, is of `kind` and belongs to `owner`; touches it. */
  find<K extends Session['kind']>(id: string, kind: K, owner: string): Extract<Session, { kind: K }> | undefined {
    const session = this.#sessions.get(id);
    if (!session || session.kind !== kind || session.owner !== owner) return undefined;
    session.lastSeen = this.#now();
    return session as Extract<Session, { kind: K }>;
  }

  /** Sessions of one kind (for shutdown notices). */
  list(kind: Session['kind']): Session[] {
    return [...this.#sessions.values()].filter((s) => s.kind === kind);
  }

  /** Forgets a session (idempotent). Does not close it: call from its close handler. */
  remove(id: string): void {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    this.options.directory?.removed(session);
    const left = (this.#perOwner.get(session.owner) ?? 1) - 1;
    if (left > 0) this.#perOwner.set(session.owner, left);
    else this.#perOwner.delete(session.owner);
  }

  /** Closes sessions idle for longer than the timeout. Returns how many. */
  async sweep(): Promise<number> {
    const cutoff = this.#now() - this.options.idleTimeoutMs;
    const idle = [...this.#sessions.values()].filter((s) => s.lastSeen < cutoff);
    await Promise.allSettled(idle.map((s) => this.#close(s)));
    return idle.length;
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.allSettled([...this.#sessions.values()].map((s) => this.#close(s)));
  }

  async #close(session: Session): Promise<void> {
    this.remove(session.id);
    await session.close();
  }
}
