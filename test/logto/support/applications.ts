/**
 * Applications a test/logto file creates for itself through the Management API (as an admin does in
 * the Logto console: Applications → Create), with the redirect URIs its client sends, and deletes when
 * it is done — for clients whose redirect URI is only known once the test runs (a callback port it
 * picks) or that the suite's shared apps (tenant.ts) do not list.
 */
import { createApplication as createPublicApplication } from '../../../src/tenant/applications.js';
import { managementApi, must } from './tenant.js';
import type { LogtoInstance } from './logto.js';

export interface LogtoApplication {
  id: string;
  /** Removes the application (and with it every grant it holds). */
  delete(): Promise<void>;
}

/**
 * Creates a public application — `SPA` ("Single page app") or `Native` ("Native app"): no secret,
 * PKCE — with exactly `redirectUris`.
 */
export async function createApplication(logto: LogtoInstance, name: string, type: 'SPA' | 'Native', redirectUris: string[]): Promise<LogtoApplication> {
  const api = managementApi(logto);
  const app = await createPublicApplication(api, { name, type, description: 'A test/logto file: created for its client, deleted when it is done.', redirectUris });
  return {
    id: app.id,
    async delete() {
      must('DELETE /api/applications/{id}', await api.DELETE('/api/applications/{id}', { params: { path: { id: app.id } }, parseAs: 'text' }));
    },
  };
}
