/** The pino-compatible subset the development IdP logs through. */
export interface DevIdpLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Fallback when no logger is injected: one line per entry on stderr. */
export const consoleLogger: DevIdpLogger = {
  info: (obj, msg) => console.error(msg ?? '', JSON.stringify(obj)),
  warn: (obj, msg) => console.error(msg ?? '', JSON.stringify(obj)),
  error: (obj, msg) => console.error(msg ?? '', obj),
};
