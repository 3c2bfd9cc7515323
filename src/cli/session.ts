import {
  auth,
  computeScopeUnion,
  extractWWWAuthenticateParams,
  OAuthError,
  OAuthErrorCode,
  refreshAuthorization,
  type FetchLike,
} from '@modelcontextprotocol/client';
import { resilientFetch } from './fetch.js';
import { readPastedRedirect, type OpenBrowser } from './browser.js';
import { startCallbackListener, validateAuthorizationResponse, type CallbackListener } from './callback-server.js';
import { discover, selectScope, type Discovery } from './discovery.js';
import { CliError } from './errors.js';
import { LoginProvider, stampTokens, type RecordHost } from './provider.js';
import { serverKey } from './paths.js';
import { registeredRedirectUris, type FileStore, type ServerRecord } from './store.js';

export interface SessionOptions {
  serverUrl: string;
  store: FileStore;
  /** Opens the authorization URL; resolves false when no browser could be started. */
  openBrowser: OpenBrowser;
  /** Print the URL and also accept the pasted redirect URL on `stdin`. */
  noBrowser?: boolean;
  stdin?: NodeJS.ReadableStream;
  /** Loopback port; undefined = the port of the stored registration, else any free port. */
  port?: number | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  clientMetadataUrl?: string | undefined;
  initialAccessToken?: string | undefined;
  /** Overrides scope selection for `login`. */
  scope?: string | undefined;
  fetchFn?: FetchLike;
  /** Progress lines for the user (stderr). Never receives tokens. */
  log?: (line: string) => void;
  /** Milliseconds to wait for the browser to come back (default 5 minutes). */
  callbackTimeoutMs?: number;
  /** Refresh when the access token expires within this many seconds (default 60). */
  refreshSkewSeconds?: number;
  now?: () => number;
}

export interface LoginRequest {
  /** `scope` from a WWW-Authenticate challenge, or a step-up scope. */
  scope?: string | undefined;
  resourceMetadataUrl?: URL | undefined;
}

/** Step-ups per process beyond the first login: keeps a server that never accepts us from looping. */
const MAX_STEP_UPS = 2;

/** Authorization-server changes followed per process (a resource that keeps switching is not followed forever). */
const MAX_MIGRATIONS = 1;

/**
 * One MCP server's credentials for the lifetime of a CLI command: the stored record, the login
 * flow (through the SDK's `auth()`), proactive and locked refresh, and an authenticating `fetch`
 * for the MCP transports that reacts to 401 (one fresh login) and 403 `insufficient_scope`
 * (step-up with the challenged scope).
 */
export class Session implements RecordHost {
  record: ServerRecord;
  readonly serverUrl: string;
  private readonly options: SessionOptions;
  private readonly baseFetch: FetchLike;
  private loggedIn = false;
  private migrations = 0;
  private stepUps = 0;
  private readonly attemptedScopes = new Set<string>();
  /** The loopback port of this process's last sign-in: a step-up signs in on it again. */
  private callbackPort: number | undefined;

  private constructor(options: SessionOptions, record: ServerRecord) {
    this.options = options;
    this.serverUrl = serverKey(options.serverUrl);
    this.record = record;
    this.baseFetch = options.fetchFn ?? resilientFetch;
  }

  static async open(options: SessionOptions): Promise<Session> {
    return new Session(options, await options.store.read(options.serverUrl));
  }

  now(): number {
    return this.options.now?.() ?? Date.now();
  }

  async persist(): Promise<void> {
    await this.options.store.write(this.record);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** The longest a sign-in may take: the wait for the browser (default 5 minutes). */
  signInBudgetMs(): number {
    return this.options.callbackTimeoutMs ?? 300_000;
  }

  /** The stored access token, if any (possibly expired). */
  accessToken(): string | undefined {
    return this.record.tokens?.access_token;
  }

  /** True when the access token expires within the refresh skew. Unknown expiry counts as fresh. */
  expiresSoon(): boolean {
    const at = this.record.tokens?.expires_at;
    return at !== undefined && at - this.now() / 1000 < (this.options.refreshSkewSeconds ?? 60);
  }

  /** Refreshes ahead of expiry; a failed refresh leaves no token, so the next 401 leads to a login. */
  async ensureFresh(): Promise<void> {
    if (this.record.tokens && this.expiresSoon()) await this.refresh();
  }

  /**
   * Refresh with the SDK's `refreshAuthorization`, under the per-server lock. After taking the lock
   * the file is read again: if another process already replaced the token (compare-and-swap on the
   * access token), its result is used instead of spending the refresh token a second time —
   * with rotating refresh tokens that second use would be rejected and could revoke the grant.
   */
  async refresh(): Promise<boolean> {
    const before = this.record.tokens?.access_token;
    return this.options.store.withLock(this.serverUrl, async () => {
      const latest = await this.options.store.read(this.serverUrl);
      if (latest.tokens && latest.tokens.access_token !== before && latest.issuer === this.record.issuer) {
        this.record = latest;
        if (!this.expiresSoon()) return true;
      }
      const { tokens, client, discovery } = this.record;
      if (!tokens?.refresh_token || !client || !discovery) return false;
      try {
        const { kind: _kind, ...clientInformation } = client;
        const fresh = await refreshAuthorization(discovery.authorizationServerUrl, {
          ...(discovery.authorizationServerMetadata ? { metadata: discovery.authorizationServerMetadata } : {}),
          clientInformation,
          refreshToken: tokens.refresh_token,
          ...(this.record.resource !== undefined ? { resource: this.record.resource } : {}),
          fetchFn: this.baseFetch,
        });
        this.record.tokens = stampTokens({ ...fresh, issuer: String(discovery.authorizationServerUrl) }, tokens.requested_scope, this.now());
        await this.persist();
        this.log('Access token refreshed.');
        return true;
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        if (error.code === OAuthErrorCode.InvalidGrant) {
          delete this.record.tokens;
        } else if (error.code === OAuthErrorCode.InvalidClient || error.code === OAuthErrorCode.UnauthorizedClient) {
          // A stale registration: drop it so the next login registers again.
          if (client.kind === 'dynamic') delete this.record.client;
          delete this.record.tokens;
        } else {
          throw error;
        }
        await this.persist();
        this.log(`Refresh rejected (${error.code}); a new sign-in is needed.`);
        return false;
      }
    });
  }

  /**
   * Full interactive sign-in: discovery (with the issuer check), loopback listener first so that
   * the registered redirect URI has the real port, registration or reuse, the authorization URL
   * from `auth()`, the browser (or a printed URL and a pasted redirect), state and `iss` checks,
   * and the code exchange through `auth()` again.
   */
  async login(request: LoginRequest = {}, discovered?: Discovery): Promise<void> {
    this.loggedIn = true;
    const discovery =
      discovered ?? (await discover(this.serverUrl, { resourceMetadataUrl: request.resourceMetadataUrl, fetchFn: this.baseFetch }));
    this.adoptDiscovery(discovery);

    // The challenge's scope wins; --scope stands in only where the server named none.
    const scope =
      request.scope !== undefined || this.options.scope === undefined ? selectScope(request.scope, discovery) : this.options.scope;
    if (scope) this.attemptedScopes.add(scope);
    const listener = await this.listen();
    try {
      if (this.record.client?.kind === 'dynamic' && !registeredRedirectUris(this.record.client).includes(listener.redirectUrl)) {
        // Registered for another port: register again rather than send an unregistered redirect URI.
        delete this.record.client;
      }
      delete this.record.tokens;
      await this.persist();

      const provider = new LoginProvider(this, listener.redirectUrl, discovery, scope, this.options.clientMetadataUrl);
      const authOptions = {
        serverUrl: this.serverUrl,
        ...(scope ? { scope } : {}),
        ...(request.resourceMetadataUrl ? { resourceMetadataUrl: request.resourceMetadataUrl } : {}),
        fetchFn: this.registrationFetch(discovery),
      };
      const first = await this.runAuth(() => auth(provider, authOptions), discovery);
      if (first === 'AUTHORIZED') return;
      const authorizationUrl = provider.authorizationUrl;
      if (!authorizationUrl) throw new Error('auth() asked for a redirect without an authorization URL');

      const params = await this.collectResponse(listener, authorizationUrl.href);
      try {
        const code = withResourceHint(discovery, () =>
          validateAuthorizationResponse(params, {
            state: provider.expectedState,
            issuer: discovery.issuer,
            issRequired:
              (discovery.authorizationServerMetadata as Record<string, unknown> | undefined)?.authorization_response_iss_parameter_supported === true,
          }),
        );
        const iss = params.get('iss');
        const second = await this.runAuth(() => auth(provider, { ...authOptions, authorizationCode: code, ...(iss !== null ? { iss } : {}) }), discovery);
        if (second !== 'AUTHORIZED') throw new CliError('unauthorized', 'The code exchange did not yield tokens.');
      } catch (error) {
        listener.respond({ ok: false, message: error instanceof CliError ? error.message : 'The code exchange failed.' });
        throw error;
      }
      listener.respond({ ok: true });
      if (this.record.client && this.record.client.kind !== 'dynamic') {
        // A pre-registered (or metadata-document) client: its redirect URI is registered by hand, so
        // the port that worked is kept for every later sign-in (--port overrides it).
        this.record.client = { ...this.record.client, redirect_uris: [listener.redirectUrl] };
        await this.persist();
      }
      this.log(`Signed in to ${this.serverUrl} (issuer ${discovery.issuer}).`);
    } finally {
      await listener.close();
    }
  }

  /** Records the discovered issuer; a different one than stored discards client and tokens. */
  private adoptDiscovery(discovery: Discovery): void {
    const record = this.record;
    if (record.issuer !== undefined && record.issuer !== discovery.issuer) {
      this.log(`Authorization server changed from ${record.issuer} to ${discovery.issuer}; discarding the stored client and tokens.`);
      delete record.client;
      delete record.tokens;
    }
    const resource = discovery.resourceMetadata?.resource;
    if (record.resource !== resource) delete record.tokens;
    record.issuer = discovery.issuer;
    if (resource !== undefined) record.resource = resource;
    else delete record.resource;
    const { issuer: _issuer, withoutResourceMetadata: _withoutResourceMetadata, ...state } = discovery;
    record.discovery = state;

    if (this.options.clientId) {
      const previous = record.client?.kind === 'pre-registered' && record.client.client_id === this.options.clientId ? record.client : undefined;
      const redirectUris = registeredRedirectUris(previous);
      record.client = {
        client_id: this.options.clientId,
        ...(this.options.clientSecret ? { client_secret: this.options.clientSecret } : {}),
        ...(redirectUris.length ? { redirect_uris: redirectUris } : {}),
        issuer: String(discovery.authorizationServerUrl),
        kind: 'pre-registered',
      };
    }
  }

  /**
   * The loopback listener, on: --port; else the port this process signed in on before (a step-up);
   * else the stored client's redirect URI; else any free port. Only a dynamic client may move to
   * another port when its own is taken (it registers again); a pre-registered client's port is the
   * one registered by hand, so a taken port is an error that says so, never a wait for a browser
   * that the authorization server will not send back.
   */
  private async listen(): Promise<CallbackListener> {
    const client = this.record.client;
    const registered = registeredRedirectUris(client)[0];
    const storedPort = registered ? Number(new URL(registered).port) || undefined : undefined;
    const port = this.options.port ?? this.callbackPort ?? storedPort ?? 0;
    const movable = this.options.port === undefined && this.callbackPort === undefined && client?.kind === 'dynamic';
    let listener: CallbackListener;
    try {
      listener = await startCallbackListener(port);
    } catch (error) {
      if (port === 0 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      if (!movable) {
        throw new CliError(
          'port_in_use',
          `The callback port ${port} is in use, and the redirect URI http://127.0.0.1:${port}/callback is the one registered for this client. ` +
            'Free the port, or register another redirect URI for the app and pass --port with its port.',
          { cause: error },
        );
      }
      listener = await startCallbackListener(0);
    }
    this.callbackPort = Number(new URL(listener.redirectUrl).port);
    if (port === 0 && client && client.kind !== 'dynamic') {
      this.log(
        `The sign-in redirects to ${listener.redirectUrl} (a free port: no --port given). Register exactly this redirect URI for the app, ` +
          'or register http://127.0.0.1:<N>/callback and pass --port <N> (Logto: Applications → your app → Redirect URIs; a Native app also accepts another loopback port).',
      );
    }
    return listener;
  }

  /** Adds the RFC 7591 initial access token to the registration request only. */
  private registrationFetch(discovery: Discovery): FetchLike {
    const token = this.options.initialAccessToken;
    const endpoint = discovery.authorizationServerMetadata?.registration_endpoint;
    if (!token) return this.baseFetch;
    return (input, init) => {
      const url = typeof input === 'string' ? input : input.href;
      const isRegistration = (init?.method ?? 'GET').toUpperCase() === 'POST' && (endpoint ? url === new URL(endpoint).href : new URL(url).pathname === '/register');
      if (!isRegistration) return this.baseFetch(input, init);
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${token}`);
      return this.baseFetch(input, { ...init, headers });
    };
  }

  /** Maps the SDK's registration failures (and an unknown resource) to errors that say what to configure. */
  private async runAuth<T>(run: () => Promise<T>, discovery?: Discovery): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof CliError) throw error;
      if (error instanceof OAuthError && error.code === OAuthErrorCode.InvalidTarget) {
        throw new CliError('invalid_target', `The token request was refused: invalid_target. ${resourceHint(discovery)}`, { cause: error });
      }
      const message = error instanceof Error ? error.message : String(error);
      if (/does not support dynamic client registration/.test(message)) {
        throw new CliError(
          'no_client',
          'The authorization server offers no dynamic client registration. Pass --client-id (and --client-secret) of a ' +
            'pre-registered client, or --client-metadata-url if it supports Client ID Metadata Documents.',
          { cause: error },
        );
      }
      if (!this.record.client && error instanceof OAuthError && !this.options.initialAccessToken) {
        throw new CliError(
          'registration_failed',
          `Client registration was refused (${error.code}). If the registration endpoint needs one, pass --initial-access-token; ` +
            'otherwise use --client-id of a pre-registered client.',
          { cause: error },
        );
      }
      throw error;
    }
  }

  private async collectResponse(listener: CallbackListener, url: string): Promise<URLSearchParams> {
    const timeoutMs = this.signInBudgetMs();
    if (this.options.noBrowser) {
      this.log(`Open this URL in a browser to sign in:\n\n  ${url}\n\nThen wait here, or paste the URL the browser was redirected to and press Enter.`);
      const abort = new AbortController();
      const pasted = readPastedRedirect(this.options.stdin ?? process.stdin, abort.signal).then(
        (params) => params ?? listener.waitForCallback(timeoutMs),
      );
      try {
        return await Promise.race([listener.waitForCallback(timeoutMs), pasted]);
      } finally {
        abort.abort();
      }
    }
    // Wait from the start: the callback's page is held until the sign-in's outcome is known, so a
    // browser (or a stand-in) that waits for that page must not be waited for first.
    const response = listener.waitForCallback(timeoutMs);
    const opened = await Promise.race([this.options.openBrowser(url).catch(() => false), response.then(() => true, () => true)]);
    this.log(opened ? 'Opened the browser to sign in…' : `Could not open a browser. Open this URL to sign in:\n\n  ${url}\n`);
    return response;
  }

  /**
   * `fetch` for the MCP transports: sends the stored bearer token; on 401 signs in once (with the
   * challenge's scope and `resource_metadata`) and retries; on 403 `insufficient_scope` asks for the
   * union of the current and the challenged scope and retries — at most {@link MAX_STEP_UPS} times,
   * never twice for the same scope. Anything else is returned to the transport as is.
   */
  readonly fetch: FetchLike = async (input, init) => {
    const send = () => {
      const headers = new Headers(init?.headers);
      const token = this.accessToken();
      if (token) headers.set('authorization', `Bearer ${token}`);
      return this.baseFetch(input, { ...init, headers });
    };
    let response = await send();
    for (let round = 0; round < 1 + MAX_STEP_UPS; round++) {
      if (response.status === 401) {
        const challenge = extractWWWAuthenticateParams(response);
        const request = { scope: challenge.scope, resourceMetadataUrl: challenge.resourceMetadataUrl };
        let discovery: Discovery | undefined;
        if (this.loggedIn) {
          // Tokens from this very process refused: sign in again only when the resource now names
          // another authorization server (SEP-2352 migration) — the new one gets its own client.
          if (this.migrations >= MAX_MIGRATIONS) break;
          discovery = await discover(this.serverUrl, { resourceMetadataUrl: request.resourceMetadataUrl, fetchFn: this.baseFetch });
          if (discovery.issuer === this.record.issuer) break;
          this.migrations++;
        }
        await response.body?.cancel().catch(() => undefined);
        await this.login(request, discovery);
        response = await send();
        continue;
      }
      if (response.status === 403) {
        const challenge = extractWWWAuthenticateParams(response);
        if (challenge.error !== 'insufficient_scope' || !challenge.scope) break;
        const current = this.record.tokens?.requested_scope ?? this.record.tokens?.scope;
        const wanted = computeScopeUnion(current, challenge.scope);
        if (!wanted || this.stepUps >= MAX_STEP_UPS || this.attemptedScopes.has(wanted)) break;
        this.stepUps++;
        await response.body?.cancel().catch(() => undefined);
        this.log(`The server needs scope "${challenge.scope}"; signing in again.`);
        await this.login({ scope: wanted, resourceMetadataUrl: challenge.resourceMetadataUrl });
        response = await send();
        continue;
      }
      break;
    }
    if (response.status === 403) {
      const challenge = extractWWWAuthenticateParams(response);
      if (challenge.error === 'insufficient_scope' && challenge.scope) {
        await response.body?.cancel().catch(() => undefined);
        const granted = this.record.tokens?.scope;
        throw new CliError(
          'insufficient_scope',
          `The server needs scope "${challenge.scope}", and the authorization server did not grant it${granted ? ` (granted: "${granted}")` : ''}. ` +
            `In Logto: give the user a role with ${challenge.scope.split(' ').join(', ')} — a permission of the API resource ${this.record.resource ?? '(this server\'s)'} ` +
            "(Roles → your role → Permissions, then the user's Roles). The MCP server's --doctor checks that a role grants it.",
        );
      }
    }
    return response;
  };
}

/** What to do about `invalid_target`: the API identifier that must exist, exactly, and the doctor. */
function resourceHint(discovery: Discovery | undefined): string {
  const resource = discovery?.resourceMetadata?.resource;
  return (
    (resource
      ? `The authorization server has no API resource with the identifier ${resource}, byte for byte. In Logto: API resources → Create API resource, API identifier ${resource}.`
      : 'The authorization server does not know the resource this server names.') +
    " The MCP server's --doctor checks it (npm run doctor, or node dist/index.js --doctor)."
  );
}

/** Adds {@link resourceHint} to an `error=invalid_target` authorization response. */
function withResourceHint<T>(discovery: Discovery, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof CliError && error.code === 'authorization_denied' && /^Authorization failed: invalid_target\b/.test(error.message)) {
      throw new CliError('invalid_target', `${error.message} ${resourceHint(discovery)}`, { cause: error });
    }
    throw error;
  }
}
