import type { ClientMetadata } from 'oidc-provider';

/** Pre-registered public client for the MCP Inspector (http://localhost:6274). */
export const INSPECTOR_CLIENT_ID = 'mcp-inspector';

/** Pre-registered public native client used by the headless token helper and the token CLI. */
export const DEV_CLI_CLIENT_ID = 'dev-cli';

/**
 * Redirect URI of {@link DEV_CLI_CLIENT_ID}. Nothing listens there: the token helper
 * reads the code from the `Location` header of the final redirect.
 */
export const DEV_CLI_REDIRECT_URI = 'http://127.0.0.1/callback';

export const STATIC_CLIENTS: readonly ClientMetadata[] = [
  {
    client_id: INSPECTOR_CLIENT_ID,
    client_name: 'MCP Inspector',
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [
      'http://localhost:6274/oauth/callback',
      'http://localhost:6274/oauth/callback/debug',
      'http://127.0.0.1:6276/oauth/callback',
    ],
  },
  {
    client_id: DEV_CLI_CLIENT_ID,
    client_name: 'Development token CLI',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [DEV_CLI_REDIRECT_URI],
  },
];

/** The dev IdP's machine-to-machine app (client credentials, Management API `all`); its secret is new per start. */
export const DEV_M2M_CLIENT_ID = 'dev-m2m';

/** The Management API resource indicator of Logto OSS, which the dev IdP uses too. */
export const MANAGEMENT_API_INDICATOR = 'https://default.logto.app/api';

/** The M2M app as oidc-provider client metadata (`client_secret_post`, as @logto/api sends it). */
export function m2mClient(secret: string): ClientMetadata {
  return {
    client_id: DEV_M2M_CLIENT_ID,
    client_secret: secret,
    client_name: 'Development Management API access',
    application_type: 'web',
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  };
}
