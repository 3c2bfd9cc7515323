import { randomUUID } from 'node:crypto';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';

const encoder = new TextEncoder();

/**
 * The HTTP+SSE transport of MCP 2024-11-05, server side, on web-standard streams.
 *
 * The SDK's `SSEServerTransport` writes to Node's `ServerResponse`; this one returns a `Response`
 * so it works in Hono routes (and in `app.request()` tests) without reaching under the adapter.
 * Incoming messages arrive through {@link handleMessage}, called by the POST /messages route.
 */
export class WebSseServerTransport implements Transport {
  readonly sessionId = randomUUID();
  readonly response: Response;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #keepAlive: NodeJS.Timeout | undefined;
  #closed = false;

  /**
   * @param messagesPath where clients POST, e.g. `/messages`; the session id is appended.
   * @param keepAliveMs interval of `: keepalive` comments that keep proxies from cutting the stream.
   */
  constructor(messagesPath: string, keepAliveMs: number, signal?: AbortSignal) {
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
        controller.enqueue(encoder.encode(`event: endpoint\ndata: ${messagesPath}?sessionId=${this.sessionId}\n\n`));
      },
      cancel: () => void this.close(),
    });
    this.#keepAlive = setInterval(() => this.#write(': keepalive\n\n'), keepAliveMs);
    this.#keepAlive.unref();
    signal?.addEventListener('abort', () => void this.close(), { once: true });
    this.response = new Response(stream, {
      headers: {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      },
    });
  }

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    if (this.#closed) throw new Error('SSE stream closed');
    this.#write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  /** Delivers a client message from POST /messages to the MCP server. */
  handleMessage(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    this.onmessage?.(message, extra);
  }

  /** Ends the stream; with `finalEvent`, tells the client why first (e.g. on shutdown). */
  async close(finalEvent?: string): Promise<void> {
    if (this.#closed) return;
    if (finalEvent) this.#write(`event: close\ndata: ${JSON.stringify({ reason: finalEvent })}\n\n`);
    this.#closed = true;
    clearInterval(this.#keepAlive);
    try {
      this.#controller.close();
    } catch {
      // already closed or cancelled by the client
    }
    this.onclose?.();
  }

  #write(chunk: string): void {
    if (this.#closed) return;
    try {
      this.#controller.enqueue(encoder.encode(chunk));
    } catch (error) {
      this.onerror?.(error as Error);
      void this.close();
    }
  }
}
