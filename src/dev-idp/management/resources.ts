import { Hono } from 'hono';
import { DEV_TENANT_ID } from '../tenant.js';
import { invalidInput, logtoError } from './errors.js';
import { logtoId } from './ids.js';
import { jsonBody } from './json-body.js';
import { paginate } from './paginate.js';

/**
 * API resources: `GET /api/resources` (`includeScopes`, paged), `POST /api/resources`,
 * `GET|POST /api/resources/{resourceId}/scopes`. Shapes from Logto's published OpenAPI document —
 * logto-io/logto packages/core/src/routes/resource.openapi.json and resource.scope.openapi.json (as
 * generated into @logto/api's `ListResources`, `CreateResource`, `ListResourceScopes`,
 * `CreateResourceScope`) — and error codes as Logto 1.37.1 answers them (measured): a taken API
 * identifier → 422 `resource.resource_identifier_in_use`, a taken permission name → 422 `scope.name_exists`.
 *
 * The store writes through to the record the dev IdP's token endpoint reads (indicator → permission
 * names), so an API resource created here is one a client can ask a token for, as on a tenant.
 */
export interface DevApiResource {
  id: string;
  name: string;
  indicator: string;
  accessTokenTtl: number;
  scopes: Array<{ id: string; name: string; description: string | null; createdAt: number }>;
}

export interface DevApiResources {
  list(): DevApiResource[];
  get(id: string): DevApiResource | undefined;
  /** Undefined when the indicator is taken. */
  create(input: { name: string; indicator: string; accessTokenTtl?: number | undefined }): DevApiResource | undefined;
  /** Undefined when the name is taken on that resource. */
  addScope(resource: DevApiResource, input: { name: string; description: string | null }): DevApiResource['scopes'][number] | undefined;
}

/**
 * Resources backed by `live` (indicator → permission names, the object the dev IdP's
 * `getResourceServerInfo` reads): seeded from it, and every change written back to it.
 */
export function createDevApiResources(live: Record<string, string[]>, accessTokenTtl: number, now: () => number = Date.now): DevApiResources {
  const byId = new Map<string, DevApiResource>();
  for (const [indicator, names] of Object.entries(live)) {
    const id = logtoId();
    const createdAt = now();
    byId.set(id, { id, name: indicator, indicator, accessTokenTtl, scopes: names.map((name) => ({ id: logtoId(), name, description: null, createdAt })) });
  }
  return {
    list: () => [...byId.values()],
    get: (id) => byId.get(id),
    create(input) {
      if (Object.hasOwn(live, input.indicator)) return undefined;
      const resource: DevApiResource = { id: logtoId(), name: input.name, indicator: input.indicator, accessTokenTtl: input.accessTokenTtl ?? accessTokenTtl, scopes: [] };
      byId.set(resource.id, resource);
      live[input.indicator] = [];
      return resource;
    },
    addScope(resource, input) {
      if (resource.scopes.some((s) => s.name === input.name)) return undefined;
      const scope = { id: logtoId(), name: input.name, description: input.description, createdAt: now() };
      resource.scopes.push(scope);
      (live[resource.indicator] ??= []).push(input.name);
      return scope;
    },
  };
}

/** RFC 8707: an absolute URI without a fragment; a permission name is a scope token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/;

export function resourcesRoutes(resources: DevApiResources): Hono {
  const app = new Hono();
  const shape = (r: DevApiResource, withScopes: boolean) => ({
    tenantId: DEV_TENANT_ID,
    id: r.id,
    name: r.name,
    indicator: r.indicator,
    isDefault: false,
    accessTokenTtl: r.accessTokenTtl,
    ...(withScopes ? { scopes: r.scopes.map((s) => scopeShape(r, s)) } : {}),
  });

  app.get('/resources', (c) => paginate(c, resources.list().map((r) => shape(r, c.req.query('includeScopes') === 'true'))));

  app.post('/resources', async (c) => {
    const body = await jsonBody(c.req.raw);
    const name = body?.['name'];
    const indicator = body?.['indicator'];
    const ttl = body?.['accessTokenTtl'];
    if (typeof name !== 'string' || name.length < 1 || name.length > 128 || typeof indicator !== 'string' || !URL.canParse(indicator) || indicator.includes('#') ||
      (ttl !== undefined && !Number.isInteger(ttl))) {
      return invalidInput(c);
    }
    const created = resources.create({ name, indicator, accessTokenTtl: ttl as number | undefined });
    if (!created) return logtoError(c, 422, 'resource.resource_identifier_in_use', `The API identifier ${indicator} is already in use`);
    return c.json(shape(created, true), 201);
  });

  app.get('/resources/:resourceId/scopes', (c) => {
    const resource = resources.get(c.req.param('resourceId'));
    if (!resource) return notFound(c);
    return paginate(c, resource.scopes.map((s) => scopeShape(resource, s)));
  });

  app.post('/resources/:resourceId/scopes', async (c) => {
    const resource = resources.get(c.req.param('resourceId'));
    if (!resource) return notFound(c);
    const body = await jsonBody(c.req.raw);
    const name = body?.['name'];
    const description = body?.['description'] ?? null;
    if (typeof name !== 'string' || !SCOPE_TOKEN.test(name) || (description !== null && typeof description !== 'string')) {
      return invalidInput(c);
    }
    const scope = resources.addScope(resource, { name, description });
    if (!scope) return logtoError(c, 422, 'scope.name_exists', `The scope name ${name} is already in use`);
    return c.json(scopeShape(resource, scope), 201);
  });

  return app;
}

function scopeShape(resource: DevApiResource, scope: DevApiResource['scopes'][number]) {
  return { tenantId: DEV_TENANT_ID, id: scope.id, resourceId: resource.id, name: scope.name, description: scope.description, createdAt: scope.createdAt };
}

function notFound(c: Parameters<typeof logtoError>[0]): Response {
  return logtoError(c, 404, 'entity.not_exists_with_id', `The resource with ID \`${c.req.param('resourceId') ?? ''}\` does not exist.`.slice(0, 200));
}
