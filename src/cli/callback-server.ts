import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateAuthorizationResponseIssuer } from '@modelcontextprotocol/client';
import { CliError } from './errors.js';

export interface CallbackListener {
  /** `http://127.0.0.1:<actual port>/callback` — known only once listening, hence registered after. */
  readonly redirectUrl: string;
  /** Resolves with the query of the first request to /callback; rejects after `timeoutMs`. */
  waitForCallback(timeoutMs: number): Promise<URLSearchParams>;
  /**
   * Answers the browser's callback request, which is held open until the sign-in's outcome is known:
   * "Signed in" only once the code was exchanged, else the failure (an `error=` response included).
   */
  respond(outcome: { ok: true } | { ok: false; message: string }): void;
  close(): Promise<void>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const PAGE = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p>`;

/**
 * Loopback redirect listener (RFC 8252 §7.3), bound to 127.0.0.1 only. `port` 0 picks a free port.
 * Serves exactly one callback; other paths get 404. The callback's page waits for {@link
 * CallbackListener.respond}: the browser says "Signed in" only when the CLI is, and shows the
 * failure (with the authorization server's `error` and description, HTML-escaped) otherwise.
 */
export async function startCallbackListener(port: number): Promise<CallbackListener> {
  let deliver: ((params: URLSearchParams) => void) | undefined;
  const received = new Promise<URLSearchParams>((resolve) => {
    deliver = resolve;
  });
  let done = false;
  let pending: ServerResponse | undefined;
  const answer = (res: ServerResponse, status: number, title: string, body: string) =>
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' }).end(PAGE(title, body));

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    if (done) {
      res.writeHead(409, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE('Already handled', 'This sign-in has already completed.'));
      return;
    }
    done = true;
    pending = res;
    deliver?.(url.searchParams);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const respond: CallbackListener['respond'] = (outcome) => {
    const res = pending;
    pending = undefined;
    if (!res || res.writableEnded) return;
    if (outcome.ok) answer(res, 200, 'Signed in', 'You can close this window and return to the terminal.');
    else answer(res, 400, 'Sign-in failed', `${outcome.message} Return to the terminal.`);
  };

  return {
    redirectUrl: `http://127.0.0.1:${actual}/callback`,
    waitForCallback(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new CliError(
                'callback_timeout',
                `No authorization response within ${Math.round(timeoutMs / 1000)} s. If the browser shows an error of the authorization server ` +
                  `(invalid_redirect_uri: "redirect_uri did not match"), register http://127.0.0.1:${actual}/callback for the app and pass --port ${actual}.`,
              ),
            ),
          timeoutMs,
        );
      });
      return Promise.race([received, timeout]).finally(() => clearTimeout(timer));
    },
    respond,
    async close() {
      const res = pending;
      if (res && !res.writableEnded) {
        // Still held (the sign-in stopped before an outcome): say so, and let the page reach the browser.
        const sent = new Promise<void>((resolve) => res.once('finish', resolve).once('close', resolve));
        respond({ ok: false, message: 'The sign-in did not complete; the terminal says why.' });
        await sent;
      }
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * Checks an authorization response and returns its code. Aborts — never "log and continue" — when
 * `state` differs, or when `iss` fails RFC 9207 §2.4 (present and not the issuer, or absent although
 * the server announced `authorization_response_iss_parameter_supported`; the SDK's
 * `validateAuthorizationResponseIssuer`, which `auth()` repeats at the code exchange). Both are
 * checked before an `error` response is believed.
 */
export function validateAuthorizationResponse(
  params: URLSearchParams,
  expected: { state: string; issuer: string; issRequired: boolean },
): string {
  if (params.get('state') !== expected.state) {
    throw new CliError('state_mismatch', 'The authorization response carries a different state; sign-in aborted.');
  }
  try {
    validateAuthorizationResponseIssuer({
      iss: params.get('iss') ?? undefined,
      expectedIssuer: expected.issuer,
      issParameterSupported: expected.issRequired,
    });
  } catch (error) {
    // The received value is attacker-controlled in a mix-up: never echoed.
    throw new CliError('issuer_mismatch', 'The authorization response names a different issuer (RFC 9207); sign-in aborted.', { cause: error });
  }
  const error = params.get('error');
  if (error) {
    const description = params.get('error_description');
    throw new CliError('authorization_denied', `Authorization failed: ${error}${description ? ` (${description})` : ''}.`);
  }
  const code = params.get('code');
  if (!code) throw new CliError('authorization_denied', 'The authorization response has no code.');
  return code;
}
