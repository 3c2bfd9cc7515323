import { inputRequired, type McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';

/**
 * The three diagnostic tools the 0.2.x suite's `server-stateless` scenario calls to exercise
 * transport rules of the 2026-07-28 era (a missing client capability → -32021 with HTTP 400; a
 * response stream carries no independent server requests; no `notifications/message` unless the
 * request set a log level). Without them those checks are "not testable" and count as failures.
 * Test-only: registered through `startServer`'s `extendServer2026_07_28` hook in the conformance test,
 * so the checks run through the real gate, era router and SDK v2 handler; the product never has them.
 */
export function registerConformanceProbes(server: McpServer): void {
  const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
  // Asks for sampling the 2026 way (input_required); the SDK refuses with -32021 when the request's
  // clientCapabilities lack `sampling` — the suite's probe declares none.
  server.registerTool('test_missing_capability', { description: 'Needs the client sampling capability.' }, () =>
    inputRequired({
      inputRequests: { sample: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 1 }) },
    }),
  );
  server.registerTool('test_streaming_elicitation', { description: 'Asks the client for input (input_required).' }, () =>
    inputRequired({
      inputRequests: { confirm: inputRequired.elicit({ message: 'Continue?', requestedSchema: z.object({ confirm: z.boolean() }) }) },
    }),
  );
  server.registerTool('test_logging_tool', { description: 'Logs one message, then answers.' }, async (ctx) => {
    await ctx.mcpReq.log('info', 'conformance probe');
    return text('logged');
  });
}
