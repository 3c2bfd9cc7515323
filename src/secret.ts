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
 * the M2M access tokens obtained with it. `scrub` replaces each, as it appears inside a JSON string
 * (quotes, backslashes, controls escaped — the only form a string takes in a JSON log line), with
 * `[redacted]` — the logger runs every line through it — and `leaks` tells whether a text holds one,
 * raw or JSON-escaped (whoami's Logto profile is refused when it does).
 */
export class Scrubber {
  /** The secret's forms: kept for the life of the process. */
  #pinned: Array<Forms> = [];
  /** Access tokens' forms, newest last, at most {@link SCRUB_MAX} tokens. */
  #recent: Array<Forms> = [];

  addSecret(secret: Secret): void {
    this.#pinned.push(forms(secret.reveal()));
  }

  add(value: string): void {
    if (this.#recent.some((f) => f.raw === value)) return;
    this.#recent.push(forms(value));
    if (this.#recent.length > SCRUB_MAX) this.#recent.splice(0, this.#recent.length - SCRUB_MAX);
  }

  leaks(text: string): boolean {
    const holds = (f: Forms) => (f.raw !== '' && text.includes(f.raw)) || (f.json !== '' && text.includes(f.json));
    return this.#pinned.some(holds) || this.#recent.some(holds);
  }

  /**
   * Runs on every serialized (JSON) log line: no allocation unless a value is found. A match counts
   * only where an escape sequence starts or ends — never inside `\n`, `\"` or `\u001f` — so the line
   * stays valid JSON and text that merely borders on an escape is left alone.
   */
  scrub(line: string): string {
    return scrubJson(this.#recent, scrubJson(this.#pinned, line));
  }
}

interface Forms {
  raw: string;
  /** As it appears inside a JSON string: whole escape sequences only. */
  json: string;
}

function forms(value: string): Forms {
  return { raw: value, json: JSON.stringify(value).slice(1, -1) };
}

function scrubJson(values: readonly Forms[], line: string): string {
  let out = line;
  for (const { json } of values) if (json !== '' && out.includes(json)) out = replaceAtBoundaries(out, json);
  return out;
}

/**
 * `line` with each occurrence of `value` (a JSON-escaped string) that starts on an escape-sequence
 * boundary replaced. In a JSON text a backslash occurs only inside strings, always starting an
 * escape (`\uXXXX`: 6 characters, any other: 2), so walking from the start finds the boundaries.
 */
function replaceAtBoundaries(line: string, value: string): string {
  let out = '';
  let copied = 0;
  let boundary = 0;
  for (let at = line.indexOf(value); at !== -1; ) {
    while (boundary < at) boundary += line.charCodeAt(boundary) !== 0x5c ? 1 : line[boundary + 1] === 'u' ? 6 : 2;
    if (boundary === at) {
      out += line.slice(copied, at) + REDACTED;
      copied = boundary = at + value.length;
      at = line.indexOf(value, copied);
    } else {
      at = line.indexOf(value, at + 1);
    }
  }
  return copied === 0 ? line : out + line.slice(copied);
}
