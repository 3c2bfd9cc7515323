import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A credential that cannot leak by accident: `String()`, `JSON.stringify`, template literals,
 * `util.inspect` (console.log, pino's fallbacks) all print `[redacted]`. Only {@link Secret.reveal}
 * gives the value, and only the code that sends it to the token endpoint calls it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** How many values a {@link Scrubber} remembers: the M2M secret and the last few M2M access tokens. */
const SCRUB_MAX = 16;

/**
 * Values that must never be written out, whatever an upstream echoes: the tenant's M2M secret and
 * the M2M access tokens obtained with it. `scrub` replaces each (raw, and as it appears inside a JSON
 * string) with `[redacted]` — the logger runs every line through it — and `leaks` tells whether a
 * text holds one (whoami's Logto profile is refused when it does).
 */
export class Scrubber {
  /** The secret's forms: kept for the life of the process. */
  #pinned: string[] = [];
  /** Access tokens' forms, newest last, at most {@link SCRUB_MAX} tokens. */
  #recent: string[] = [];

  addSecret(secret: Secret): void {
    this.#pinned.push(...forms(secret.reveal()));
  }

  add(value: string): void {
    if (this.#recent.includes(value)) return;
    this.#recent.push(...forms(value));
    if (this.#recent.length > SCRUB_MAX * 2) this.#recent.splice(0, this.#recent.length - SCRUB_MAX * 2);
  }

  leaks(text: string): boolean {
    return this.#pinned.some((f) => f !== '' && text.includes(f)) || this.#recent.some((f) => f !== '' && text.includes(f));
  }

  /** Runs on every log line: no allocation unless a value is found. */
  scrub(text: string): string {
    return scrubWith(this.#recent, scrubWith(this.#pinned, text));
  }
}

function scrubWith(values: readonly string[], text: string): string {
  let out = text;
  for (const value of values) if (value !== '' && out.includes(value)) out = out.replaceAll(value, REDACTED);
  return out;
}

/** A value as written raw and as it appears inside a JSON string (quotes, backslashes, controls escaped). */
function forms(value: string): [string, string] {
  return [value, JSON.stringify(value).slice(1, -1)];
}
