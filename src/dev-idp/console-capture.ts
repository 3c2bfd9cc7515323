import type { DevIdpLogger } from './logger.js';

const ANSI = /\x1b\[[0-9;]*m/g;
const PREFIX = /^oidc-provider (NOTICE|WARNING): /;

/**
 * Runs `fn` while oidc-provider's own console notices (its module-load runtime
 * check, the in-memory adapter warning, …) go to `logger` instead of stdout and
 * stderr. Other console output passes through untouched.
 */
export async function withProviderNoticesRouted<T>(logger: DevIdpLogger, fn: () => Promise<T>): Promise<T> {
  const { info, warn } = console;
  const route = (original: (...args: unknown[]) => void) => (...args: unknown[]): void => {
    const text = typeof args[0] === 'string' ? args[0].replace(ANSI, '') : '';
    const match = PREFIX.exec(text);
    if (!match) return original.apply(console, args);
    const message = `oidc-provider: ${text.slice(match[0].length)}`;
    // Info level: they restate what the dev IdP's own startup warning already says loudly.
    logger.info({ event: 'dev_idp.oidc_provider_notice', level: match[1] }, message);
  };
  console.info = route(info);
  console.warn = route(warn);
  try {
    return await fn();
  } finally {
    console.info = info;
    console.warn = warn;
  }
}
