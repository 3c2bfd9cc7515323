import { HeadlessOAuthProvider } from '../../interop/helpers/headless-oauth-provider.js';
import type { Credentials } from '../../support/browser-tab.js';
import { signInAtLogto } from './sign-in.js';

/**
 * The interop tests' headless OAuth provider for the MCP SDKs, signing in at the real Logto (experience
 * API) with a pre-registered client — Logto has no dynamic registration. `tokenKind: 'opaque'` makes the
 * SDK's `auth()` leave out the RFC 8707 `resource` (through the provider's `validateResourceURL` hook),
 * so Logto issues an opaque token; 'jwt' is what every spec-following client does.
 */
export class LogtoOAuthProvider<ClientInfo extends { client_id: string }, Tokens extends { access_token: string }> extends HeadlessOAuthProvider<
  ClientInfo,
  Tokens
> {
  readonly #credentials: Credentials;
  validateResourceURL?: (serverUrl: URL | string, resource?: string) => Promise<URL | undefined>;

  constructor(clientId: string, credentials: Credentials, tokenKind: 'jwt' | 'opaque') {
    super({ credentials, preRegistered: { client_id: clientId } as ClientInfo });
    this.#credentials = credentials;
    if (tokenKind === 'opaque') this.validateResourceURL = async () => undefined;
  }

  override async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizationUrls.push(new URL(authorizationUrl));
    this.lastAuthorization = await signInAtLogto(authorizationUrl, this.redirectUrl, this.#credentials);
  }
}
