import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JSONWebKeySet } from 'jose';
import type { DevTenant } from '../tenant.js';
import { applicationsRoutes, type DevApplications } from './applications.js';
import { managementAuth } from './auth.js';
import { logtoError } from './errors.js';
import { organizationsRoutes } from './organizations.js';
import { resourcesRoutes, type DevApiResources } from './resources.js';
import { rolesRoutes } from './roles.js';
import { usersRoutes } from './users.js';

export interface DevManagementApiOptions {
  issuer: string;
  /** The Management API resource indicator (`https://default.logto.app/api`, as Logto OSS). */
  indicator: string;
  /** Public signing keys of the dev IdP. */
  jwks: JSONWebKeySet;
  tenant: DevTenant;
  /** API resources (what `doctor` reads and `setup` creates); writes reach the token endpoint. */
  resources: DevApiResources;
  /** Applications (the OIDC clients); writes register them with oidc-provider. */
  applications: DevApplications;
}

/**
 * The dev IdP's Logto-shaped Management API under `/api`: each resource group is one file that
 * returns a Hono app, mounted here behind the M2M token check. Add a group by adding a file and
 * one `route` line.
 */
export function createDevManagementApi(options: DevManagementApiOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const app = new Hono().basePath('/api');
  app.use('*', managementAuth(options));
  app.route('/', usersRoutes(options.tenant));
  app.route('/', organizationsRoutes(options.tenant));
  app.route('/', resourcesRoutes(options.resources));
  app.route('/', rolesRoutes(options.tenant, options.resources));
  app.route('/', applicationsRoutes(options.applications));
  app.notFound((c) => logtoError(c, 404, 'guard.invalid_input', 'The request path is not part of the development Management API.'));
  return getRequestListener((req) => app.fetch(req));
}
