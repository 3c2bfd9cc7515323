import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Opens `url` for the user. Resolves true when a browser was launched. */
export type OpenBrowser = (url: string) => Promise<boolean>;

/**
 * `xdg-open` / `open` / `start` depending on the platform, detached. A launcher that is missing
 * or exits non-zero resolves false, and the caller prints the URL instead.
 */
export const openSystemBrowser: OpenBrowser = (url) => {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]]
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
      child.once('error', () => resolve(false));
      child.once('exit', (code) => resolve(code === 0));
      child.unref();
    } catch {
      resolve(false);
    }
  });
};

/**
 * Reads lines from `input` until one parses as a URL with a query (the redirect the browser
 * landed on, pasted by the user in an SSH session). Resolves undefined when input ends.
 */
export function readPastedRedirect(input: NodeJS.ReadableStream, signal: AbortSignal): Promise<URLSearchParams | undefined> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, terminal: false });
    let settled = false;
    const finish = (value: URLSearchParams | undefined) => {
      if (settled) return;
      settled = true;
      // Resolve first: rl.close() emits 'close' synchronously, which lands here again.
      resolve(value);
      signal.removeEventListener('abort', onAbort);
      rl.close();
      if ('pause' in input && typeof input.pause === 'function') input.pause();
    };
    const onAbort = () => finish(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    rl.on('line', (line) => {
      const text = line.trim();
      if (!text) return;
      try {
        const url = new URL(text);
        if (url.searchParams.has('code') || url.searchParams.has('error')) finish(url.searchParams);
      } catch {
        // Not a URL: keep waiting.
      }
    });
    rl.once('close', () => finish(undefined));
  });
}
