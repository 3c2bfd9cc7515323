import { UpstreamError } from './errors.js';
import { readLimited } from '../shared/read-limited.js';

export interface JsonRequesterOptions {
  timeoutMs: number;
  /** Larger bodies are refused: an IdP answer is a few KiB. Default 256 KiB. */
  maxBytes?: number;
  fetch?: typeof fetch;
}

/** An HTTP error status from the IdP, kept apart so callers can tell "token refused" from "IdP down". */
export class HttpStatusError extends UpstreamError {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(`${url} answered HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}

/**
 * A `Requester` for @logto/js (`fetchOidcConfig`, `fetchUserInfo`): GET JSON with a timeout,
 * no redirects, a body-size bound, and failures as {@link UpstreamError} naming the URL and cause —
 * never the request's headers, which may carry a token.
 */
export function createJsonRequester(options: JsonRequesterOptions) {
  const doFetch = options.fetch ?? fetch;
  const maxBytes = options.maxBytes ?? 256 * 1024;
  return async <T>(input: string | URL | Request, init?: RequestInit): Promise<T> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    let res: Response;
    try {
      res = await doFetch(url, {
        ...init,
        redirect: 'manual',
        headers: { accept: 'application/json', ...(init?.headers as Record<string, string> | undefined) },
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      const reason =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
          ? `timed out after ${options.timeoutMs} ms`
          : `unreachable (${describeCause(error)})`;
      throw new UpstreamError(`${url} ${reason}`, { cause: error });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new HttpStatusError(res.status, url);
    }
    const text = await readLimited(res.body, maxBytes, res.headers.get('content-length')).catch((error: unknown) => {
      throw new UpstreamError(`${url} body could not be read (${describeCause(error)})`, { cause: error });
    });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new UpstreamError(`${url} did not answer JSON (content-type ${res.headers.get('content-type') ?? 'none'})`, {
        cause: error,
      });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new UpstreamError(`${url} did not answer a JSON object`);
    }
    return body as T;
  };
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
