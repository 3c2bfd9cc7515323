/**
 * Applications a test/logto file creates for itself through the Management API (as an admin does in
 * the Logto console: Applications → Create), with the redirect URIs its client sends, and deletes when
 * it is done — for clients whose redirect URI is only known once the test runs (a callback port it
 * picks) or that the suite's shared apps (tenant.ts) do not list.
 */
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
  const app = must(
    `POST /api/applications (${type})`,
    await api.POST('/api/applications', {
      // @logto/api 1.42's generated types declare redirect URIs as objects; Logto takes (and returns) strings.
      body: { name, type, oidcClientMetadata: { redirectUris: redirectUris as unknown as Array<Record<string, unknown>>, postLogoutRedirectUris: [] } },
    }),
  );
  return {
    id: app.id,
    async delete() {
      must('DELETE /api/applications/{id}', await api.DELETE('/api/applications/{id}', { params: { path: { id: app.id } }, parseAs: 'text' }));
    },
  };
}
