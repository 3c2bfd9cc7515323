/** One HTTP exchange seen by a client's fetch. */
export interface Exchange {
  method: string;
  url: string;
  status: number;
}

/** Wraps fetch to record method, URL and status of every request a client makes (no headers, no bodies: tokens stay out). */
export function recordingFetch(log: Exchange[], inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const response = await inner(input, init);
    log.push({ method: method.toUpperCase(), url, status: response.status });
    return response;
  };
}

/** `METHOD path status` lines, for readable assertion messages. */
export function describeExchanges(log: readonly Exchange[]): string {
  return log.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`).join('\n');
}
