import type { LogCapture } from '../../support/harness.js';

export interface ServedRequest {
  method: string;
  /** As logged: the query is redacted (`/messages?sessionId=[redacted]`). */
  path: string;
  /** `modern` (2026-07-28) or `legacy` (2025) on /mcp; none on the SSE endpoints, which serve the 2025 era only. */
  era?: string;
}

/**
 * The requests our server answered past its bearer gate (their request-log line has a `sub`) since
 * chunk `from` of `logs` (LOG_LEVEL info or lower): which endpoint served the client, and on /mcp which era.
 */
export function authenticatedRequestsSince(logs: LogCapture, from: number): ServedRequest[] {
  return logs.chunks
    .slice(from)
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"msg":"request"'))
    .map((line) => JSON.parse(line) as { method: string; path: string; sub?: string; era?: string })
    .filter((entry) => entry.sub !== undefined)
    .map(({ method, path, era }) => ({ method, path, ...(era ? { era } : {}) }));
}
