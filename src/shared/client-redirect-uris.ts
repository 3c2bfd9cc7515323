/** Redirect URIs MCP Inspector uses on its default ports (web UI, and its CLI's callback). */
export const INSPECTOR_REDIRECT_URIS = ['http://localhost:6274/oauth/callback', 'http://127.0.0.1:6276/oauth/callback'];

/** The redirect URIs to register, check and print: the user's (CLIENT_REDIRECT_URIS), else Inspector's defaults. */
export function clientRedirectUris(configured: readonly string[]): { uris: readonly string[]; source: string } {
  return configured.length
    ? { uris: configured, source: 'CLIENT_REDIRECT_URIS' }
    : { uris: INSPECTOR_REDIRECT_URIS, source: "MCP Inspector's defaults" };
}

/** Where MCP Inspector shows the redirect URI it actually uses (another port, or opened as 127.0.0.1). */
export const WHERE_INSPECTOR_REDIRECT_URI = "MCP Inspector shows the one it uses under the server card's Settings → OAuth Settings → Redirect URI";
