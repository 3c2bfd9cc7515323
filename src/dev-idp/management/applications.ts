import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import type { ClientMetadata } from 'oidc-provider';
import { DEV_TENANT_ID } from '../tenant.js';
import { invalidInput, logtoError } from './errors.js';
import { paginate } from './paginate.js';
import { logtoId } from './ids.js';
import { jsonBody } from './json-body.js';

/**
 * Applications: `GET /api/applications` (`types`, paged), `GET /api/applications/{id}`,
 * `POST /api/applications`, `PATCH /api/applications/{id}`. Shapes from Logto's published OpenAPI
 * document — logto-io/logto packages/core/src/routes/applications/application.openapi.json (as
 * generated into @logto/api's `ListApplications`, `GetApplication`, `CreateApplication`,
 * `UpdateApplication`) — and as Logto 1.37.1 answers (measured: POST answers 200, not 201; an
 * unknown ID → 404 `entity.not_exists_with_id`).
 *
 * Every application is an OIDC client of the dev IdP: the pre-registered ones are listed with the
 * Logto type they stand for, and one created or changed here is (re-)registered with oidc-provider,
 * so a client can sign in with it at once.
 */
const TYPES = ['Native', 'SPA', 'Traditional', 'MachineToMachine'] as const;
export type DevApplicationType = (typeof TYPES)[number];
const isType = (v: unknown): v is DevApplicationType => TYPES.includes(v as DevApplicationType);

export interface DevApplication {
  id: string;
  name: string;
  description: string | null;
  type: DevApplicationType;
  secret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  createdAt: number;
}

export interface DevApplications {
  list(): DevApplication[];
  get(id: string): DevApplication | undefined;
  /** Registers the application with the OIDC provider and keeps it. Throws when the provider refuses its metadata. */
  save(app: DevApplication): Promise<void>;
}

/** The Logto type a pre-registered oidc-provider client stands for. */
function typeOf(client: ClientMetadata): DevApplicationType {
  if (client.grant_types?.includes('client_credentials')) return 'MachineToMachine';
  if (client.token_endpoint_auth_method !== 'none') return 'Traditional';
  return client.application_type === 'native' ? 'Native' : 'SPA';
}

/** oidc-provider metadata for a Logto application: public clients for SPA/Native, a secret otherwise. */
function clientMetadataOf(app: DevApplication): ClientMetadata {
  const common = { client_id: app.id, client_name: app.name };
  switch (app.type) {
    case 'MachineToMachine':
      return { ...common, client_secret: app.secret, token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
    case 'Traditional':
      return { ...common, client_secret: app.secret, token_endpoint_auth_method: 'client_secret_basic', application_type: 'web', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: app.redirectUris, post_logout_redirect_uris: app.postLogoutRedirectUris };
    default:
      return { ...common, token_endpoint_auth_method: 'none', application_type: app.type === 'Native' ? 'native' : 'web', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: app.redirectUris, post_logout_redirect_uris: app.postLogoutRedirectUris };
  }
}

/**
 * `seed`: the pre-registered clients (listed, never re-registered). `register`: adds or replaces a
 * client in oidc-provider (its Client adapter); throws when the provider refuses the metadata.
 */
export function createDevApplications(seed: readonly ClientMetadata[], register: (metadata: ClientMetadata) => Promise<void>, now: () => number = Date.now): DevApplications {
  const apps = new Map<string, DevApplication>();
  for (const client of seed) {
    apps.set(client.client_id, {
      id: client.client_id,
      name: client.client_name ?? client.client_id,
      description: null,
      type: typeOf(client),
      secret: '',
      redirectUris: [...(client.redirect_uris ?? [])],
      postLogoutRedirectUris: [...(client.post_logout_redirect_uris ?? [])],
      createdAt: now(),
    });
  }
  return {
    list: () => [...apps.values()],
    get: (id) => apps.get(id),
    async save(app) {
      await register(clientMetadataOf(app));
      apps.set(app.id, app);
    },
  };
}

const isUriList = (v: unknown): v is string[] => Array.isArray(v) && v.every((u) => typeof u === 'string' && URL.canParse(u));

/** `oidcClientMetadata`'s redirect URI lists (post-sign-out ones optional), or undefined when it is not an object of URL lists. */
function uriListsOf(meta: unknown): Pick<DevApplication, 'redirectUris' | 'postLogoutRedirectUris'> | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const redirectUris = (meta as Record<string, unknown>)['redirectUris'];
  const postLogoutRedirectUris = (meta as Record<string, unknown>)['postLogoutRedirectUris'] ?? [];
  return isUriList(redirectUris) && isUriList(postLogoutRedirectUris) ? { redirectUris, postLogoutRedirectUris } : undefined;
}

export function applicationsRoutes(applications: DevApplications): Hono {
  const app = new Hono();
  // The secret is never shown: Logto shows a legacy `#internal:` one for public apps; a dev secret is for its owner.
  const shape = (application: DevApplication) => ({
    tenantId: DEV_TENANT_ID,
    id: application.id,
    name: application.name,
    secret: '#internal:redacted',
    description: application.description,
    type: application.type,
    oidcClientMetadata: { redirectUris: application.redirectUris, postLogoutRedirectUris: application.postLogoutRedirectUris },
    customClientMetadata: {},
    protectedAppMetadata: null,
    customData: {},
    isThirdParty: false,
    createdAt: application.createdAt,
  });

  app.get('/applications', (c) => {
    const types = c.req.queries('types') ?? [];
    return paginate(c, applications.list().filter((a) => types.length === 0 || types.includes(a.type)).map(shape));
  });

  app.get('/applications/:id', (c) => {
    const found = applications.get(c.req.param('id'));
    return found ? c.json(shape(found)) : notFound(c);
  });

  app.post('/applications', async (c) => {
    const body = await jsonBody(c.req.raw);
    const uris = uriListsOf(body?.['oidcClientMetadata'] ?? { redirectUris: [] });
    const name = body?.['name'];
    const type = body?.['type'];
    const description = body?.['description'] ?? null;
    if (typeof name !== 'string' || name.length < 1 || name.length > 256 || !isType(type) || (description !== null && typeof description !== 'string') || !uris) {
      return invalidInput(c);
    }
    const created: DevApplication = {
      id: logtoId(),
      name,
      description,
      type,
      secret: randomBytes(24).toString('base64url'),
      ...uris,
      createdAt: Date.now(),
    };
    try {
      await applications.save(created);
    } catch {
      return invalidInput(c);
    }
    return c.json(shape(created), 200);
  });

  app.patch('/applications/:id', async (c) => {
    const found = applications.get(c.req.param('id'));
    if (!found) return notFound(c);
    const body = await jsonBody(c.req.raw);
    const meta = body?.['oidcClientMetadata'];
    const uris = meta === undefined ? undefined : uriListsOf(meta);
    const name = body?.['name'];
    if (!body || (name !== undefined && (typeof name !== 'string' || name.length < 1)) || (meta !== undefined && !uris)) {
      return invalidInput(c);
    }
    const updated: DevApplication = { ...found, ...(typeof name === 'string' ? { name } : {}), ...uris };
    try {
      await applications.save(updated);
    } catch {
      return invalidInput(c);
    }
    return c.json(shape(updated));
  });

  return app;
}

function notFound(c: Parameters<typeof logtoError>[0]): Response {
  return logtoError(c, 404, 'entity.not_exists_with_id', `The applications with ID \`${c.req.param('id') ?? ''}\` does not exist.`.slice(0, 200));
}
