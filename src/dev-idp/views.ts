import { DEV_USERS } from './users.js';

/**
 * Plain server-rendered HTML for the login, consent and error pages. Field names
 * (`username`, `password`, `decision`) and button labels ("Sign in", "Authorize",
 * "Deny") are a contract: the headless token helper and browser tests rely on them.
 */

export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:26rem;margin:2rem auto;padding:0 1rem;color:#222}
.banner{background:#b00020;color:#fff;font-weight:700;padding:.5rem .75rem;border-radius:4px;text-align:center}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin:1rem .5rem 0 0;padding:.5rem 1.25rem}.error{color:#b00020}.hint{color:#555;font-size:.9rem}
code{background:#f3f3f3;padding:0 .2rem}`;

function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">${head}<title>${escapeHtml(title)} · DEVELOPMENT IdP</title><style>${STYLE}</style></head>
<body><p class="banner" role="alert">DEVELOPMENT IdP — not Logto</p>
${body}
</body></html>`;
}

export interface LoginView {
  uid: string;
  clientName: string;
  username?: string | undefined;
  error?: string | undefined;
}

export function renderLogin({ uid, clientName, username = '', error }: LoginView): string {
  const hint = DEV_USERS.map((u) => `<li><code>${escapeHtml(u.username)}</code> / <code>${escapeHtml(u.password)}</code></li>`).join('');
  return page('Sign in', `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(clientName)}</strong></p>
${error ? `<p class="error" role="alert" data-error="invalid_credentials">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label for="username">Username</label><input id="username" name="username" value="${escapeHtml(username)}" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>
<div class="hint"><p>Demo users:</p><ul>${hint}</ul></div>`);
}

export interface ConsentView {
  uid: string;
  clientName: string;
  username: string;
  scopes: readonly string[];
  resources: Readonly<Record<string, readonly string[]>>;
  /** The client's metadata document URL when it is an unregistered (CIMD, "Dynamic app") client. */
  metadataDocument?: string | undefined;
}

export function renderConsent({ uid, clientName, username, scopes, resources, metadataDocument }: ConsentView): string {
  const items = [
    ...scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`),
    ...Object.entries(resources).map(
      ([resource, resourceScopes]) =>
        `<li><code>${escapeHtml(resource)}</code>: ${resourceScopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ') || '<em>no permissions</em>'}</li>`,
    ),
  ].join('');
  // Like Logto's consent screen for a Dynamic app: the name is the client's own claim, not the tenant's.
  const unregistered = metadataDocument
    ? `<p class="error" role="note" data-client="unregistered"><strong>Unregistered app.</strong> This app is not registered with this identity provider: its name and details come from its own metadata document at <code>${escapeHtml(metadataDocument)}</code> and nobody has verified them. Authorize it only if you trust <strong>${escapeHtml(URL.parse(metadataDocument)?.host ?? metadataDocument)}</strong>.</p>\n`
    : '';
  return page('Authorize', `<h1>Authorize ${escapeHtml(clientName)}</h1>
${unregistered}<p>Signed in as <strong>${escapeHtml(username)}</strong>. <strong>${escapeHtml(clientName)}</strong> asks for:</p>
<ul>${items || '<li><em>nothing new</em></li>'}</ul>
<form method="post" action="/interaction/${escapeHtml(uid)}/confirm">
<button type="submit" name="decision" value="approve">Authorize</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`);
}

/** Error page for requests that cannot be redirected back to a client. The `oauth-error` meta tag is machine-readable. */
export function renderError(error: string, description?: string): string {
  return page('Error', `<h1>Something went wrong</h1>
<p><code>${escapeHtml(error)}</code>${description ? `: ${escapeHtml(description)}` : ''}</p>`,
  `<meta name="oauth-error" content="${escapeHtml(error)}">`);
}
