import type { BrowserContext, Page } from 'playwright-core';

/**
 * A trace of MCP Inspector 2.x's OAuth hand-over across the redirect to the IdP and back, kept in
 * Inspector's origin's localStorage so that it survives the documents that wrote it (a console
 * message from a page that is navigating away is often lost).
 *
 * Inspector's web client carries the flow in sessionStorage: `mcp-inspector:pkce-flow:<state>` (the
 * PKCE verifier) and `mcp-inspector:oauth-resume` (which server started the flow). Its
 * /oauth/callback page needs both; without `oauth-resume` it cannot tell which server the code is
 * for, shows "OAuth callback could not be matched" and stays on the server list, disconnected.
 */

/**
 * The page script (a string, not a function: tsx would add helpers such as `__name` that do not
 * exist in the page). Logs each write and removal of `mcp-inspector:*` sessionStorage keys (removals
 * with a short stack), page hides, and, on /oauth/callback, which keys the page found.
 */
const TRACE_SCRIPT = `(() => {
  const proto = Storage.prototype;
  const setItem = proto.setItem;
  const removeItem = proto.removeItem;
  const watched = (key) => String(key).startsWith('mcp-inspector:');
  const note = (line) => {
    const entry = new Date().toISOString().slice(11, 23) + ' ' + line;
    try { setItem.call(localStorage, '__oauthTrace', (localStorage.getItem('__oauthTrace') || '') + entry + '\\n'); } catch {}
  };
  proto.setItem = function (key, value) {
    if (this === window.sessionStorage && watched(key)) note('set ' + key + ' = ' + String(value).slice(0, 100) + ' at ' + location.pathname);
    return setItem.call(this, key, value);
  };
  proto.removeItem = function (key) {
    if (this === window.sessionStorage && watched(key)) note('remove ' + key + ' at ' + location.pathname + ' stack=' + (new Error().stack || '').split('\\n').slice(2, 8).map((l) => l.trim().replace(/https?:\\/\\/[^ ]*\\/assets\\//, '')).join(' < '));
    return removeItem.call(this, key);
  };
  window.addEventListener('pagehide', () => note('pagehide ' + location.pathname));
  const keys = Object.keys(sessionStorage).filter(watched);
  note('page ' + location.pathname + ' finds: ' + (keys.join(', ') || '(no mcp-inspector keys)'));
  if (location.pathname === '/oauth/callback') {
    setItem.call(localStorage, '__oauthCallback', JSON.stringify({
      resume: keys.includes('mcp-inspector:oauth-resume'),
      pendingServerId: keys.includes('mcp-inspector:oauth-pending-server-id'),
      pkce: keys.some((k) => k.startsWith('mcp-inspector:pkce-flow:')),
    }));
  }
})();`;

export async function traceInspectorOAuth(context: BrowserContext): Promise<void> {
  await context.addInitScript(TRACE_SCRIPT);
}

/** The trace so far (read from Inspector's origin; the page must be on it). */
export async function inspectorOAuthTrace(page: Page): Promise<string> {
  return page.evaluate("localStorage.getItem('__oauthTrace') ?? ''").then(String, (error: unknown) => `(unavailable: ${String(error)})`);
}

/** What Inspector's /oauth/callback page found in sessionStorage, once it has loaded. */
export interface CallbackStorage {
  resume: boolean;
  pendingServerId: boolean;
  pkce: boolean;
}

export async function callbackStorage(page: Page): Promise<CallbackStorage | undefined> {
  const raw = await page.evaluate("localStorage.getItem('__oauthCallback')").catch(() => null);
  return typeof raw === 'string' ? (JSON.parse(raw) as CallbackStorage) : undefined;
}

/**
 * True when the trace shows Inspector 2.12's own race on the SSE connect path (see docs/interop.md,
 * "Inspector 2.12 loses its OAuth resume state"): the /oauth/callback page found the PKCE verifier but
 * not `mcp-inspector:oauth-resume`, because the page that started the flow was already navigating to
 * the IdP when it stored that state — and either never got to store it, or removed it again while
 * unloading (`prepareOAuthRedirect`'s `.catch` on the aborted `beginInteractiveAuthorization`).
 */
export function lostResumeState(trace: string, callback: CallbackStorage | undefined): boolean {
  if (!callback || callback.resume || callback.pendingServerId || !callback.pkce) return false;
  const lines = trace.split('\n');
  const callbackAt = lines.findIndex((l) => l.includes(' page /oauth/callback '));
  if (callbackAt < 0) return false;
  const before = lines.slice(0, callbackAt);
  const hideAt = before.findLastIndex((l) => l.endsWith(' pagehide /'));
  if (hideAt < 0) return false;
  const pageAt = before.findLastIndex((l) => l.includes(' page / finds:'));
  const resumeSet = before.slice(pageAt + 1, hideAt).some((l) => l.includes(' set mcp-inspector:oauth-resume '));
  const removedWhileLeaving = before.slice(hideAt + 1).some((l) => l.includes(' remove mcp-inspector:oauth-resume at / '));
  return !resumeSet || removedWhileLeaving;
}

/**
 * How many times a scenario may run when each failure is {@link LostResumeState} (never for any other
 * failure). Measured on 2026-12-01 for "SSE, pre-registered": 3 of 7 attempts lost on a quiet machine, 22 of
 * 25 with other suites and the bench sharing the two cores (4 of 27 in an earlier measurement). At 3 of 7
 * a run of eight losses is about 1 in 900; each lost attempt costs ~30 s.
 */
export const LOST_RESUME_STATE_MAX_ATTEMPTS = 8;

/**
 * Inspector 2.12's web client lost the state its /oauth/callback page needs to resume the flow. On the
 * SSE connect path its backend answers the 401 with a 500 ("Failed to start transport: SSE error: MCP
 * auth challenge (401)") instead of an auth challenge, so the browser client calls `InspectorClient.authenticate()`,
 * whose SDK `auth()` → `redirectToAuthorization` navigates to the IdP at once (navigation is not
 * suppressed there, unlike `handleStandardAuthChallenge`). Only afterwards does `prepareOAuthRedirect`
 * store `mcp-inspector:oauth-resume` and call `beginInteractiveAuthorization`; when the first
 * navigation commits while that call is still awaiting, its rejection runs
 * `.catch(() => { YX(attemptId) … })`, which deletes the resume state again (or the page is gone
 * before it is stored). The callback then finds only the PKCE verifier, shows "OAuth callback could
 * not be matched" and stays disconnected. Recognised from the storage trace, never from a timeout.
 */
export class LostResumeState extends Error {
  override name = 'LostResumeState';
}

/**
 * Throws {@link LostResumeState} when the trace shows that race ({@link lostResumeState}); the page
 * must be back on Inspector's origin, its /oauth/callback loaded (then it will never connect, so the
 * caller learns it at once instead of waiting for "connected").
 */
export async function throwIfResumeStateLost(page: Page): Promise<void> {
  if (lostResumeState(await inspectorOAuthTrace(page), await callbackStorage(page))) {
    throw new LostResumeState("Inspector's callback page found the PKCE verifier but not mcp-inspector:oauth-resume");
  }
}
