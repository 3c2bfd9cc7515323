export interface SseEvent {
  event: string;
  data: string;
}

/** A minimal SSE reader over fetch, for the 2024-11-05 HTTP+SSE transport. */
export class SseStream {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  readonly events: SseEvent[] = [];
  #waiters: Array<() => void> = [];
  ended = false;

  constructor(
    readonly response: Response,
    readonly abort: AbortController,
  ) {
    this.#reader = response.body!.getReader();
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await this.#reader.read();
        if (done) break;
        this.#buffer += this.#decoder.decode(value, { stream: true });
        let at: number;
        while ((at = this.#buffer.indexOf('\n\n')) !== -1) {
          const block = this.#buffer.slice(0, at);
          this.#buffer = this.#buffer.slice(at + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) this.events.push({ event, data: data.join('\n') });
          this.#wake();
        }
      }
    } catch {
      // aborted
    }
    this.ended = true;
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Waits (bounded) for the first event matching `predicate`. */
  async waitFor(predicate: (e: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(predicate);
      if (hit) return hit;
      if (this.ended) throw new Error('SSE stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for an SSE event');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** Waits (bounded) for the stream to end. */
  async waitEnd(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for the SSE stream to end');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  close(): void {
    this.abort.abort();
  }
}
