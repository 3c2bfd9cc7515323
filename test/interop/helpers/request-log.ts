import type { LogCapture } from '../../support/harness.js';

export interface ServedRequest {
  method: string;
  /** Path without the query (`/messages?sessionId=…` → `/messages`). */
  path: string;
  /** The era that served it, when the log line names one (`2026-07-28` or `2025`). */
  era?: string;
}

/**
 * The requests our server answered past its bearer gate (their request-log line has a `sub`) since
 * chunk `from` of `logs` (LOG_LEVEL info or lower): which endpoint served the client, and on /mcp which
 * era. The third-party client tests (Claude Code, Gemini CLI) read which era and transport they got here.
 */
export function authenticatedRequestsSince(logs: LogCapture, from: number): ServedRequest[] {
  return logs.chunks
    .slice(from)
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"msg":"request"'))
    .map((line) => JSON.parse(line) as { method: string; path: string; era?: string; sub?: string })
    .filter((entry) => entry.sub !== undefined)
    .map(({ method, path, era }) => ({ method, path: path.split('?')[0]!, ...(era ? { era } : {}) }));
}
