import type { Logger } from '../log.js';
import type { ToolCallEvent } from './observer.js';

/**
 * One line per tool call, at info, for the operator's audit trail: when (pino's `time`), who
 * (issuer, subject, client id), what (tool, era, transport), how it ended and how long it took.
 * Never the token, never a profile field, never the tool's arguments or result.
 */
export function createAudit(logger: Logger): ((event: ToolCallEvent) => void) | undefined {
  const log = logger.child({ audit: 'tool_call' });
  // LOG_LEVEL is fixed at start: above info no line is ever written, and no audit means the tool
  // calls go unobserved (no timing, no event object) unless metrics or tracing want them.
  if (!log.isLevelEnabled('info')) return undefined;
  return (e) => {
    log.info(
      {
        iss: e.issuer,
        sub: e.subject,
        client_id: e.clientId,
        tool: e.tool,
        era: e.era,
        transport: e.transport,
        outcome: e.outcome,
        ms: Math.round(e.seconds * 10_000) / 10,
      },
      'tool call',
    );
  };
}
