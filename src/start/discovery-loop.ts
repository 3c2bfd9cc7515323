import type { Logger } from '../log.js';
import { DiscoveryConfigError, UpstreamError } from '../oidc/errors.js';

export interface DiscoveryLoop {
  /** Resolves once an attempt has succeeded. */
  ready: Promise<void>;
  /** Cancels a pending retry; an attempt in flight finishes but schedules nothing. */
  stop(): void;
}

/**
 * Runs `attemptOnce` until it succeeds. The first attempt (at start-up) is awaited and throws what
 * no retry can fix, so the process exits with a one-line error; a transient failure
 * ({@link UpstreamError}) — and, once running, every failure — is logged and retried with backoff
 * (1 s doubling to 30 s; 30 s after a {@link DiscoveryConfigError}) while /readyz stays red.
 * A retry never throws into the void.
 */
export async function startDiscoveryLoop(attemptOnce: () => Promise<void>, issuer: string, logger: Logger): Promise<DiscoveryLoop> {
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));

  const attempt = async (delayMs: number, firstAttempt: boolean): Promise<void> => {
    if (stopped) return;
    try {
      await attemptOnce();
      logger.info({ issuer }, 'ready: issuer discovered');
      resolveReady();
    } catch (error) {
      if (stopped) return;
      if (firstAttempt && !(error instanceof UpstreamError)) throw error;
      const nextDelay = error instanceof DiscoveryConfigError ? 30_000 : delayMs;
      logger.error({ retryInMs: nextDelay }, error instanceof Error ? error.message : String(error));
      retryTimer = setTimeout(() => void attempt(Math.min(nextDelay * 2, 30_000), false), nextDelay);
      retryTimer.unref();
    }
  };

  await attempt(1000, true);
  return {
    ready,
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
    },
  };
}
