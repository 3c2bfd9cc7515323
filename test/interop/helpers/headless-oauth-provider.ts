import { authorizeHeadless } from '../../support/authorize-headless.js';
import type { AuthorizationResult, Credentials } from '../../support/browser-tab.js';

/** Loopback redirect URI registered for the dev IdP's pre-registered `mcp-inspector` client (Inspector CLI's default). */
export const HEADLESS_REDIRECT_URI = 'http://127.0.0.1:6276/oauth/callback';

export interface HeadlessProviderOptions<ClientInfo> {
  credentials: Credentials;
  /** Pre-registered client (skips dynamic registration); omit to register dynamically. */
  preRegistered?: ClientInfo;
  clientName?: string;
}

/**
 * An in-memory OAuthClientProvider for the MCP SDKs (v1 and v2 share the shape) whose
 * `redirectToAuthorization` signs in at the dev IdP headlessly and keeps the authorization code,
 * so a test can hand it to `transport.finishAuth(code)` as an app's redirect handler would.
 * Generic over the SDK's own client-information and token types.
 */
export class HeadlessOAuthProvider<ClientInfo extends { client_id: string }, Tokens extends { access_token: string }> {
  readonly #options: HeadlessProviderOptions<ClientInfo>;
  #client: ClientInfo | undefined;
  #tokens: Tokens | undefined;
  #verifier: string | undefined;
  #discoveryState: unknown;
  /** Every authorization URL the SDK sent us to, in order. */
  readonly authorizationUrls: URL[] = [];
  /** Result of the last headless sign-in. */
  lastAuthorization: AuthorizationResult | undefined;

  constructor(options: HeadlessProviderOptions<ClientInfo>) {
    this.#options = options;
    this.#client = options.preRegistered;
  }

  get redirectUrl(): string {
    return HEADLESS_REDIRECT_URI;
  }

  get clientMetadata(): {
    client_name: string;
    redirect_uris: string[];
    grant_types: string[];
    response_types: string[];
    token_endpoint_auth_method: string;
  } {
    return {
      client_name: this.#options.clientName ?? 'logto-whoami-mcp interop test',
      redirect_uris: [HEADLESS_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation(): ClientInfo | undefined {
    return this.#client;
  }

  saveClientInformation(info: ClientInfo): void {
    this.#client = info;
  }

  tokens(): Tokens | undefined {
    return this.#tokens;
  }

  saveTokens(tokens: Tokens): void {
    this.#tokens = tokens;
  }

  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.#verifier) throw new Error('no PKCE code verifier saved');
    return this.#verifier;
  }

  /** Kept alongside the code verifier so SDK v2 can bind the callback to the authorization server (SEP-2352). */
  saveDiscoveryState(state: unknown): void {
    this.#discoveryState = state;
  }

  discoveryState(): never {
    return this.#discoveryState as never;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizationUrls.push(new URL(authorizationUrl));
    this.lastAuthorization = await authorizeHeadless(authorizationUrl, HEADLESS_REDIRECT_URI, this.#options.credentials);
  }

  /** The callback query (code, state, iss) of the last sign-in, for v2's `finishAuth(params)`. */
  takeCallbackParams(): URLSearchParams {
    const url = this.lastAuthorization?.callbackUrl;
    if (!url) throw new Error('the SDK never redirected to authorization');
    this.lastAuthorization = undefined;
    return new URLSearchParams(url.search);
  }

  /** The code from the last sign-in; throws when none happened. */
  takeCode(): string {
    const code = this.lastAuthorization?.code;
    if (!code) throw new Error('the SDK never redirected to authorization');
    this.lastAuthorization = undefined;
    return code;
  }
}
