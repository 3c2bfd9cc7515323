/**
 * A loopback stand-in for the Anthropic Messages API (`POST /v1/messages`, streamed as server-sent
 * events when the request says `stream: true`, as Claude Code's does), so Claude Code in print mode
 * (`claude -p`) makes one MCP tool call with no real model and no packet off loopback. It is not under
 * test; it scripts the model's side of one turn:
 *
 * - a request that offers the tool `toolName` and carries no `tool_result` yet → exactly one `tool_use`
 *   of that tool (empty input), stop reason `tool_use`;
 * - a request carrying the `tool_result` → that result is kept ({@link MessagesApiStandIn.toolResults})
 *   and the answer is a final text, stop reason `end_turn`;
 * - anything else (Claude Code's side requests: a title, a quota probe) → a short text.
 *
 * Every request is recorded (method, path, model, tool names) for the test's failure messages.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface RecordedModelRequest {
  method: string;
  path: string;
  model?: string;
  stream: boolean;
  tools: string[];
  answer: 'tool_use' | 'final' | 'text' | 'other';
}

export interface MessagesApiStandIn {
  /** `http://127.0.0.1:<port>`: ANTHROPIC_BASE_URL. */
  baseUrl: string;
  /** Every request the stand-in answered, in order. */
  readonly requests: readonly RecordedModelRequest[];
  /** The text of every `tool_result` block for `toolName` the stand-in received. */
  readonly toolResults: readonly string[];
  close(): Promise<void>;
}

/** The final answer's text, after the tool result came back. */
export const FINAL_TEXT = 'whoami answered.';

interface ContentBlock {
  type: string;
  id?: string;
  tool_use_id?: string;
  name?: string;
  text?: string;
  content?: string | ContentBlock[];
}
interface MessagesRequest {
  model?: string;
  stream?: boolean;
  tools?: Array<{ name?: string }>;
  messages?: Array<{ role: string; content: string | ContentBlock[] }>;
}

const TOOL_USE_ID = 'toolu_standin_whoami_1';

function blocks(content: string | ContentBlock[] | undefined): ContentBlock[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : (content ?? []);
}

function resultText(block: ContentBlock): string {
  return blocks(block.content)
    .map((b) => b.text ?? '')
    .join('');
}

export async function startMessagesApiStandIn(toolName: string): Promise<MessagesApiStandIn> {
  const requests: RecordedModelRequest[] = [];
  const toolResults: string[] = [];

  const answer = (body: MessagesRequest): { kind: RecordedModelRequest['answer']; content: ContentBlock[]; stop: string } => {
    const tools = (body.tools ?? []).map((t) => t.name ?? '');
    const results = (body.messages ?? []).flatMap((m) => blocks(m.content)).filter((b) => b.type === 'tool_result' && b.tool_use_id === TOOL_USE_ID);
    if (results.length > 0) {
      // Only the newest turn's results are new; the request repeats the conversation so far.
      const last = blocks(body.messages?.at(-1)?.content).filter((b) => b.type === 'tool_result' && b.tool_use_id === TOOL_USE_ID);
      toolResults.push(...last.map(resultText));
      return { kind: 'final', content: [{ type: 'text', text: FINAL_TEXT }], stop: 'end_turn' };
    }
    if (tools.includes(toolName)) return { kind: 'tool_use', content: [{ type: 'tool_use', id: TOOL_USE_ID, name: toolName }], stop: 'tool_use' };
    return { kind: 'text', content: [{ type: 'text', text: 'ok' }], stop: 'end_turn' };
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (req.method !== 'POST' || path !== '/v1/messages') {
        requests.push({ method: req.method ?? '', path, stream: false, tools: [], answer: 'other' });
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `stand-in: no ${path}` } }));
        return;
      }
      let body: MessagesRequest;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as MessagesRequest;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'stand-in: body is not JSON' } }));
        return;
      }
      const { kind, content, stop } = answer(body);
      requests.push({ method: 'POST', path, ...(body.model ? { model: body.model } : {}), stream: body.stream === true, tools: (body.tools ?? []).map((t) => t.name ?? ''), answer: kind });
      const message = { id: `msg_standin_${requests.length}`, type: 'message', role: 'assistant', model: body.model ?? 'stand-in', stop_sequence: null };
      const usage = { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
      const full = content.map((b) => (b.type === 'tool_use' ? { ...b, input: {} } : b));
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': message.id }).end(JSON.stringify({ ...message, content: full, stop_reason: stop, usage }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': message.id });
      const event = (type: string, data: object): void => void res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      event('message_start', { message: { ...message, content: [], stop_reason: null, usage } });
      content.forEach((block, index) => {
        if (block.type === 'tool_use') {
          event('content_block_start', { index, content_block: { ...block, input: {} } });
          event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '{}' } });
        } else {
          event('content_block_start', { index, content_block: { type: 'text', text: '' } });
          event('content_block_delta', { index, delta: { type: 'text_delta', text: block.text ?? '' } });
        }
        event('content_block_stop', { index });
      });
      event('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 1 } });
      event('message_stop', {});
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    toolResults,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
