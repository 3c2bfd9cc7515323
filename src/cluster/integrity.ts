import type { Logger } from '../log.js';
import { INTEGRITY_KINDS, NOOP_OBSERVER, type IntegrityKind, type Observer } from '../observe/observer.js';

/** At most one warning per kind per this many ms (a flood of forged values must not flood the log). */
const WARN_EVERY_MS = 10_000;

/**
 * Counts what failed an integrity check — a value in Redis this deployment did not write, or a
 * forwarded request no replica signed — and says so in the log: the kind, the reason and how many
 * since the last line, never the value, its key or any header (they may carry a token's hash, a
 * session id or the attacker's text) — and to the metrics (`logto_whoami_cluster_integrity_failures_total{kind}`).
 * Whatever failed is treated as absent by the caller.
 */
export class IntegrityLog {
  readonly #counts = Object.fromEntries(INTEGRITY_KINDS.map((kind) => [kind, 0])) as Record<IntegrityKind, number>;
  readonly #unreported = new Map<IntegrityKind, number>();
  readonly #lastWarn = new Map<IntegrityKind, number>();

  constructor(
    private readonly logger: Logger,
    private readonly observer: Observer = NOOP_OBSERVER,
  ) {}

  failed(kind: IntegrityKind, reason: string): void {
    this.#counts[kind]++;
    this.observer.integrityFailure(kind);
    const unreported = (this.#unreported.get(kind) ?? 0) + 1;
    const now = Date.now();
    if (now - (this.#lastWarn.get(kind) ?? 0) < WARN_EVERY_MS) {
      this.#unreported.set(kind, unreported);
      return;
    }
    this.#lastWarn.set(kind, now);
    this.#unreported.delete(kind);
    this.logger.warn({ kind, reason, count: unreported, total: this.#counts[kind] }, 'cluster: integrity check failed, ignored');
  }

  /** Failures so far, per kind (for tests; the metrics count them through the observer). */
  counts(): Readonly<Record<IntegrityKind, number>> {
    return { ...this.#counts };
  }
}
