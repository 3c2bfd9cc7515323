import { randomBytes } from 'node:crypto';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  OAuthTokens,
} from '@modelcontextprotocol/client';
import type { ServerRecord, StoredTokens } from './store.js';

export const CLIENT_NAME = 'logto-whoami-mcp';

/** Where the provider writes through: the session owns the record and its persistence. */
export interface RecordHost {
  record: ServerRecord;
  persist(): Promise<void>;
  now(): number;
}

/**
 * The SDK's `OAuthClientProvider` for one login attempt, backed by the session's stored record.
 * `auth()` drives registration, PKCE and the token requests; this object supplies and keeps what
 * it needs, and remembers the authorization URL and `state` so the caller can open the browser
 * and check the response (the SDK generates neither check for us).
 */
export class LoginProvider implements OAuthClientProvider {
  readonly expectedState = randomBytes(32).toString('base64url');
  authorizationUrl: URL | undefined;
  private verifier: string | undefined;

  constructor(
    private readonly host: RecordHost,
    private readonly redirect: string,
    private readonly discovery: OAuthDiscoveryState,
    private readonly requestedScope: string | undefined,
    clientMetadataUrl: string | undefined,
  ) {
    if (clientMetadataUrl !== undefined) this.clientMetadataUrl = clientMetadataUrl;
  }

  /** Used by `auth()` as the client_id when the server supports Client ID Metadata Documents. */
  readonly clientMetadataUrl?: string;

  get redirectUrl(): string {
    return this.redirect;
  }

  get clientMetadata(): OAuthClientMetadata {
    const metadata: OAuthClientMetadata & { application_type: string } = {
      client_name: CLIENT_NAME,
      redirect_uris: [this.redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      // OIDC Registration: a CLI is a native app, so loopback redirects on any port are acceptable (RFC 8252 §7.3).
      application_type: 'native',
    };
    return metadata;
  }

  state(): string {
    return this.expectedState;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    const client = this.host.record.client;
    if (!client) return undefined;
    const { kind: _kind, ...info } = client;
    return info;
  }

  async saveClientInformation(info: OAuthClientInformationMixed): Promise<void> {
    const previous = this.host.record.client;
    const kind =
      previous && previous.client_id === info.client_id
        ? previous.kind
        : this.clientMetadataUrl !== undefined && info.client_id === this.clientMetadataUrl
          ? 'metadata-document'
          : 'dynamic';
    this.host.record.client = { ...info, kind };
    await this.host.persist();
  }

  tokens(): OAuthTokens | undefined {
    return this.host.record.tokens;
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    this.host.record.tokens = stampTokens(tokens, this.requestedScope, this.host.now());
    await this.host.persist();
  }

  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('No PKCE code verifier for this login');
    return this.verifier;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    const record = this.host.record;
    if ((scope === 'all' || scope === 'client') && record.client?.kind === 'dynamic') delete record.client;
    if (scope === 'all' || scope === 'tokens') delete record.tokens;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
    await this.host.persist();
  }

  discoveryState(): OAuthDiscoveryState {
    return this.discovery;
  }
}

/** Adds `expires_at` (epoch seconds) and the requested scope to a token response. */
export function stampTokens(tokens: OAuthTokens, requestedScope: string | undefined, nowMs: number): StoredTokens {
  const stored: StoredTokens = { ...tokens };
  if (typeof tokens.expires_in === 'number') stored.expires_at = Math.floor(nowMs / 1000) + tokens.expires_in;
  if (requestedScope) stored.requested_scope = requestedScope;
  return stored;
}
