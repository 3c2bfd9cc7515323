/**
 * A loopback stand-in for the Gemini API (`generativelanguage.googleapis.com`), for Gemini CLI's
 * non-interactive mode (`gemini -p`, `GOOGLE_GEMINI_BASE_URL` + an API key). It is not under test: it
 * scripts one conversation — the first turn asks for exactly one call of the tool whose declared name
 * ends in `whoami`, the turn that carries that call's functionResponse ends with a short text — and
 * records what it was sent, so a test can read the tool's answer as the CLI handed it to the model.
 *
 * Speaks the REST shape @google/genai uses: `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`
 * (server-sent `data:` lines of GenerateContentResponse), `:generateContent` (one JSON answer) and
 * `:countTokens`. Anything else is 404 and recorded, so an unexpected call is visible in the test.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Part {
  text?: string;
  functionCall?: { name: string; args?: Record<string, unknown>; id?: string };
  functionResponse?: { name: string; response?: unknown; id?: string };
}
interface Content {
  role?: string;
  parts?: Part[];
}
interface GenerateRequest {
  contents?: Content[];
  tools?: Array<{ functionDeclarations?: Array<{ name: string }> }>;
}

export interface ModelExchange {
  method: string;
  /** Path and query, e.g. `/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`. */
  path: string;
  status: number;
  /** Function names declared in the request's tools. */
  declared: string[];
  /** The functionCall the stand-in answered with, if any. */
  called?: string;
}

export interface GeminiModel {
  /** For GOOGLE_GEMINI_BASE_URL (http://127.0.0.1:PORT). */
  readonly baseUrl: string;
  readonly exchanges: ModelExchange[];
  /** Every functionResponse part the CLI sent back, in order. */
  readonly functionResponses: Array<{ name: string; response: unknown }>;
  close(): Promise<void>;
}

const FINAL_TEXT = 'whoami answered.';

function lastTurnResponses(request: GenerateRequest): Part[] {
  const last = request.contents?.at(-1);
  return (last?.parts ?? []).filter((p) => p.functionResponse);
}

function answer(parts: Part[]): Record<string, unknown> {
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    modelVersion: 'stand-in',
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

export async function startGeminiModel(): Promise<GeminiModel> {
  const exchanges: ModelExchange[] = [];
  const functionResponses: Array<{ name: string; response: unknown }> = [];
  let calls = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = req.url ?? '/';
    const exchange: ModelExchange = { method: req.method ?? 'GET', path, status: 404, declared: [] };
    exchanges.push(exchange);
    const send = (status: number, body: unknown): void => {
      exchange.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const method = /^\/v1beta\/models\/[^/:]+:(streamGenerateContent|generateContent|countTokens)(\?|$)/.exec(path)?.[1];
    if (req.method !== 'POST' || !method) return send(404, { error: { code: 404, message: `stand-in: no ${req.method} ${path}`, status: 'NOT_FOUND' } });
    const request = JSON.parse((await readBody(req)) || '{}') as GenerateRequest;
    if (method === 'countTokens') return send(200, { totalTokens: 10 });

    exchange.declared = (request.tools ?? []).flatMap((t) => t.functionDeclarations ?? []).map((d) => d.name);
    const responses = lastTurnResponses(request);
    for (const part of responses) functionResponses.push({ name: part.functionResponse!.name, response: part.functionResponse!.response });
    const whoami = exchange.declared.find((name) => name.endsWith('whoami'));
    let parts: Part[];
    if (responses.length === 0 && whoami && calls === 0) {
      // The one scripted call (only once per stand-in, whatever the CLI sends next).
      calls++;
      exchange.called = whoami;
      parts = [{ functionCall: { name: whoami, args: {} } }];
    } else {
      parts = [{ text: FINAL_TEXT }];
    }
    const body = answer(parts);
    if (method === 'generateContent') return send(200, body);
    exchange.status = 200;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end(`data: ${JSON.stringify(body)}\r\n\r\n`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 500, message: `stand-in: ${String(error)}` } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    exchanges,
    functionResponses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
