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
