import type { LogCapture } from '../../support/harness.js';

export interface ServedRequest {
  method: string;
  /** Path without the query (`/messages?sessionId=…` → `/messages`). */
  path: string;
  /** The era that served it, when the log line names one (2025 `legacy`, 2026-07-28 `modern`). */
  era?: string;
}

/** Our server's request-log lines (LOG_LEVEL info) of authenticated requests since chunk `from`. */
export function authenticatedRequestsSince(logs: LogCapture, from: number): ServedRequest[] {
  return logs.chunks
    .slice(from)
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"msg":"request"'))
    .map((line) => JSON.parse(line) as { method: string; path: string; era?: string; sub?: string })
    .filter((entry) => entry.sub !== undefined)
    .map(({ method, path, era }) => ({ method, path: path.split('?')[0]!, ...(era ? { era } : {}) }));
}
