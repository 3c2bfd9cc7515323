import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Identity } from '../auth/authenticate.js';
import { NOOP_OBSERVER, type Era, type Observer, type ToolOutcome, type Transport } from '../observe/observer.js';
import type { WhoamiAuth, WhoamiResult } from './tools/whoami.js';

/** Where a tool runs: the era and transport of the MCP server instance that registered it. */
export interface ToolSite {
  era: Era;
  transport: Transport;
}

/**
 * Runs a tool handler and reports the call (tool, era, transport, outcome, duration, and who called
 * — for the audit line) to `observer`. With nobody observing, the handler runs bare.
 */
export function runObserved(
  tool: string,
  site: ToolSite,
  observer: Observer = NOOP_OBSERVER,
  authInfo: WhoamiAuth | undefined,
  run: () => Promise<WhoamiResult>,
): Promise<WhoamiResult> {
  // Not an async function itself: with nobody observing, the handler's own promise is the answer
  // (an async wrapper returning it added a promise and two turns to every call).
  return observer === NOOP_OBSERVER ? run() : observed(tool, site, observer, authInfo, run);
}

async function observed(tool: string, site: ToolSite, observer: Observer, authInfo: WhoamiAuth | undefined, run: () => Promise<WhoamiResult>): Promise<WhoamiResult> {
  const started = performance.now();
  let outcome: ToolOutcome = 'error';
  try {
    const result = await run();
    outcome = result.isError ? 'tool_error' : 'ok';
    return result;
  } finally {
    const identity = authInfo?.extra?.['identity'] as Identity | undefined;
    observer.toolCall({
      tool,
      era: site.era,
      transport: site.transport,
      outcome,
      seconds: (performance.now() - started) / 1000,
      issuer: identity?.issuer ?? '',
      subject: identity?.subject ?? '',
      clientId: identity?.clientId ?? '',
    });
    // The MCP semantic conventions: a tool result with isError → error.type tool_error on the server span.
    const span = outcome !== 'ok' && observer.tracing ? trace.getActiveSpan() : undefined;
    span?.setAttribute('error.type', outcome === 'tool_error' ? 'tool_error' : '_OTHER');
    span?.setStatus({ code: SpanStatusCode.ERROR });
  }
}
