import { ManagementApiError } from '../logto/errors.js';
import type { ManagementApi } from '../logto/management-client.js';
import { ensureOk } from '../logto/management-client.js';
import { listPages } from './list-pages.js';

export type ApplicationType = 'Native' | 'SPA' | 'Traditional' | 'MachineToMachine' | 'Protected' | 'SAML';

/** The types MCP Inspector and desktop MCP clients can sign in with: public clients (no secret, PKCE). */
export const PUBLIC_CLIENT_TYPES: readonly ApplicationType[] = ['SPA', 'Native'];

/** A Logto application, reduced to what doctor and setup look at. */
export interface Application {
  id: string;
  name: string;
  type: ApplicationType;
  isThirdParty: boolean;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

interface RawApplication {
  id: string;
  name: string;
  type: ApplicationType;
  isThirdParty?: boolean;
  oidcClientMetadata: { redirectUris: unknown[]; postLogoutRedirectUris: unknown[] };
}

// @logto/api types redirect URIs as objects (a generator artefact); Logto sends and takes strings.
const strings = (values: unknown[]): string[] => values.filter((v): v is string => typeof v === 'string');

function toApplication(raw: RawApplication): Application {
  return {
    id: raw.id,
    name: raw.name,
    type: raw.type,
    isThirdParty: raw.isThirdParty ?? false,
    redirectUris: strings(raw.oidcClientMetadata.redirectUris),
    postLogoutRedirectUris: strings(raw.oidcClientMetadata.postLogoutRedirectUris),
  };
}

/** `GET /api/applications/{id}`; undefined when the tenant has no such application (404). */
export async function getApplication(api: ManagementApi, id: string): Promise<Application | undefined> {
  try {
    return toApplication(ensureOk(await api.GET('/api/applications/{id}', { params: { path: { id } } }), 'GET /api/applications/{id}'));
  } catch (error) {
    if (error instanceof ManagementApiError && error.code === 'not_found') return undefined;
    throw error;
  }
}

/** `GET /api/applications?types=…`, every page. */
export async function listApplications(api: ManagementApi, types: readonly ApplicationType[]): Promise<Application[]> {
  const raw = await listPages(async (paging) =>
    ensureOk(await api.GET('/api/applications', { params: { query: { types: [...types], ...paging } } }), 'GET /api/applications'),
  );
  return raw.map(toApplication);
}

/** `POST /api/applications`: a first-party application with these redirect URIs (and no post-sign-out ones). */
export async function createApplication(
  api: ManagementApi,
  input: { name: string; type: ApplicationType; description: string; redirectUris: string[] },
): Promise<Application> {
  const raw = ensureOk(
    await api.POST('/api/applications', {
      body: {
        name: input.name,
        type: input.type,
        description: input.description,
        oidcClientMetadata: { redirectUris: input.redirectUris as never[], postLogoutRedirectUris: [] },
      },
    }),
    'POST /api/applications',
  );
  return toApplication(raw);
}

/** `PATCH /api/applications/{id}`: replaces the redirect URIs (keeps the post-sign-out ones). */
export async function setRedirectUris(api: ManagementApi, app: Application, redirectUris: string[]): Promise<Application> {
  const raw = ensureOk(
    await api.PATCH('/api/applications/{id}', {
      params: { path: { id: app.id } },
      body: { oidcClientMetadata: { redirectUris: redirectUris as never[], postLogoutRedirectUris: app.postLogoutRedirectUris as never[] } },
    }),
    'PATCH /api/applications/{id}',
  );
  return toApplication(raw);
}
