import type { Configuration, JWK } from 'oidc-provider';
import { CIMD_MAX_BYTES, clientIdMetadataDocumentFeature, metadataFetch } from './cimd.js';
import { DEV_M2M_CLIENT_ID, m2mClient, MANAGEMENT_API_INDICATOR, STATIC_CLIENTS } from './clients.js';
import { isLoopbackOrigin } from './loopback.js';
import { findUserBySub } from './users.js';
import { renderError } from './views.js';

export interface ConfigurationInput {
  /** Resource indicator → permission scopes it offers. Matched exactly, like Logto's API resources. */
  resources: Readonly<Record<string, readonly string[]>>;
  accessTokenTtlSeconds: number;
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  /** Secret of the machine-to-machine app {@link DEV_M2M_CLIENT_ID}. */
  m2mSecret: string;
  /** oidc-provider's InvalidTarget, passed in because the module is loaded lazily (see index.ts). */
  InvalidTarget: new (description?: string) => Error;
  /** oidc-provider's InvalidClientMetadata, for the same reason. */
  InvalidClientMetadata: new (description: string) => Error;
  /** The fetch for client ID metadata documents (and any other outgoing request). Default: global fetch. */
  fetch?: typeof fetch | undefined;
}

const HOUR = 60 * 60;
const DAY = 24 * HOUR;
/** The demo accounts' `created_at` / `updated_at`: when this process loaded the dev IdP (they live in memory). */
const CREATED_AT = Date.now();

/**
 * oidc-provider configuration shaped like Logto's: ES384 everywhere, PKCE required,
 * resource indicators (RFC 8707) with JWT access tokens, opaque userinfo-only tokens
 * without a resource. Every "you SHOULD change this" default is replaced so the
 * provider stays quiet; the startup warning in index.ts says what matters instead.
 */
export function buildConfiguration(input: ConfigurationInput): Configuration {
  const { resources, accessTokenTtlSeconds, InvalidTarget } = input;
  return {
    clients: [...STATIC_CLIENTS.map((client) => ({ ...client })), m2mClient(input.m2mSecret)],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      id_token_signed_response_alg: 'ES384',
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    jwks: input.jwks,
    cookies: {
      keys: input.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      openid: ['sub'],
      // Logto's profile scope also carries created_at / updated_at (epoch milliseconds).
      profile: ['username', 'name', 'picture', 'created_at', 'updated_at'],
      email: ['email', 'email_verified'],
    },
    responseTypes: ['code'],
    pkce: { required: () => true },
    enabledJWA: {
      idTokenSigningAlgValues: ['ES384'],
      userinfoSigningAlgValues: ['ES384'],
      introspectionSigningAlgValues: ['ES384'],
      authorizationSigningAlgValues: ['ES384'],
    },
    async findAccount(_ctx, sub) {
      const user = findUserBySub(sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        claims: () => ({
          sub: user.sub,
          username: user.username,
          name: user.name,
          picture: user.picture,
          email: user.email,
          email_verified: user.email_verified,
          created_at: CREATED_AT,
          updated_at: CREATED_AT,
        }),
      };
    },
    // Like Logto: the ID token carries the claims of the granted scopes (not only when no access token is issued).
    conformIdTokenClaims: false,
    // No extraTokenClaims: like a default Logto tenant (no Custom JWT script), a resource-bound access
    // token carries sub, client_id, scope, aud, iss, exp — whoami's profile comes from the Management API.
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    fetch: metadataFetch(input.fetch),
    fetchResponseBodyLimits: { 'client_id metadata document': CIMD_MAX_BYTES },
    // Development only: any loopback origin (the MCP Inspector at http://localhost:6274, …) may call
    // the token, revocation, introspection and userinfo endpoints from a browser.
    clientBasedCORS: (_ctx, origin) => isLoopbackOrigin(origin),
    features: {
      devInteractions: { enabled: false },
      // Real Logto has NO dynamic client registration; it is open here as a development
      // convenience so MCP clients (Inspector, Claude, …) can register themselves (RFC 7591).
      registration: { enabled: true, initialAccessToken: false, issueRegistrationAccessToken: true },
      // Like Logto's "Dynamic apps": an https client_id naming the client's own metadata document (cimd.ts).
      clientIdMetadataDocument: clientIdMetadataDocumentFeature(input.InvalidClientMetadata),
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      // Public clients may introspect only their own tokens; confidential ones (resource servers) any.
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      // Machine-to-machine apps (Logto's Management API access): client credentials, JWT for a resource.
      clientCredentials: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.body = `<!doctype html><meta charset="utf-8"><title>Sign out</title>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>
<script>document.forms[0].logout.value='yes';document.forms[0].submit()</script>`;
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = 'html';
          ctx.body = '<!doctype html><meta charset="utf-8"><title>Signed out</title><p>Signed out of the DEVELOPMENT IdP.</p>';
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf,
        // Like Logto: the token request must name the resource again; without it the
        // access token is an opaque one for userinfo (when `openid` was granted).
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, indicator, client) => {
          // The Management API only for the M2M app, and the M2M app only for the Management API:
          // a signed-in user's client can never obtain a Management API token.
          if ((indicator === MANAGEMENT_API_INDICATOR) !== (client.clientId === DEV_M2M_CLIENT_ID)) {
            throw new InvalidTarget('unknown resource indicator');
          }
          if (indicator === MANAGEMENT_API_INDICATOR) {
            return { scope: 'all', audience: indicator, accessTokenTTL: 3600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES384' } } };
          }
          // Exact match only (no trailing-slash leniency), like Logto's API resource lookup.
          const scopes = Object.hasOwn(resources, indicator) ? resources[indicator] : undefined;
          if (!scopes) throw new InvalidTarget('unknown resource indicator');
          return {
            scope: scopes.join(' '),
            audience: indicator,
            accessTokenTTL: accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES384' } },
          };
        },
      },
    },
    // Logto issues refresh tokens only for offline_access; rotate them on every use.
    rotateRefreshToken: () => true,
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTtlSeconds,
      AuthorizationCode: 60,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 10 * 60,
      DeviceCode: 10 * 60,
      BackchannelAuthenticationRequest: 10 * 60,
      IdToken: HOUR,
      Interaction: HOUR,
      Grant: 14 * DAY,
      RefreshToken: 14 * DAY,
      Session: 14 * DAY,
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = renderError(out.error, out.error_description);
    },
  } satisfies Configuration;
}

