import type { Identity } from '../auth/authenticate.js';
import type { ProfileField } from '../config.js';
import { createLimiter } from '../limiter.js';
import type { Logger } from '../log.js';
import type { ProfileSource, WhoamiProfile } from '../mcp/tools/whoami-profile.js';
import { subjectTag } from '../log.js';
import { TtlCache } from '../shared/ttl-cache.js';
import { ManagementApiError, type ManagementApiErrorCode } from './errors.js';
import { ensureOk, type ManagementApi } from './management-client.js';

/** whoami's profile as this module fills it: the failure is one of the Management API error codes. */
export type LogtoProfile = Extract<WhoamiProfile, { available: true }> | { available: false; error: ManagementApiErrorCode };

/** The userinfo claim that already answers a field (an opaque token's whoami keeps those as they are). */
const USERINFO_CLAIM: Record<ProfileField, string> = {
  username: 'username',
  name: 'name',
  avatar: 'picture',
  email: 'email',
  phone: 'phone_number',
  custom_data: 'custom_data',
  roles: 'roles',
  organizations: 'organizations',
};

const USER_FIELDS = new Set<ProfileField>(['username', 'name', 'avatar', 'email', 'phone', 'custom_data']);
/** Failures are remembered this long per subject, so a down Management API is not asked on every call. */
const FAILURE_TTL_MS = 5_000;

export interface ProfileLoaderOptions {
  api: ManagementApi;
  fields: readonly ProfileField[];
  /** Seconds a subject's profile is cached; 0 → never cached (still single-flight). */
  ttlSeconds: number;
  maxEntries: number;
  /** Management API requests at once, across all callers; queued callers give up after `queueTimeoutMs`. */
  concurrency: number;
  queueTimeoutMs: number;
  logger?: Logger;
  /** True when a text holds the M2M secret or an M2M access token: such an answer is never shown. */
  leaks?: (text: string) => boolean;
  now?: () => number;
}

/**
 * `profile(identity)`: what Logto's Management API knows about the caller, limited to `fields`.
 * The Management API never decides who the caller is: it is asked about `identity.subject`, which
 * the token already proved, and any failure (token refused, 401/403/404, timeout, garbage) becomes
 * `{ available: false, error }` — whoami still answers. For an opaque token, fields its userinfo
 * answer already has are not asked for. Results are cached per issuer + subject + field set
 * (bounded LRU, `ttlSeconds`), failures for 5 s; concurrent callers share one load.
 * Returns undefined when there is nothing to ask.
 */
export function createProfileLoader(options: ProfileLoaderOptions): ProfileLoader {
  const now = options.now ?? Date.now;
  const cache = new TtlCache<LogtoProfile>(options.maxEntries, now);
  const limit = createLimiter(options.concurrency, options.queueTimeoutMs, () => new ManagementApiError('timeout', 'too many Management API calls in flight'));
  const { api } = options;

  const load = async (userId: string, fields: readonly ProfileField[]): Promise<LogtoProfile> => {
    const want = new Set(fields);
    const path = { params: { path: { userId } } };
    const [user, roles, organizations] = await Promise.all([
      fields.some((f) => USER_FIELDS.has(f)) ? limit(async () => ensureOk(await api.GET('/api/users/{userId}', path), 'GET /api/users/{userId}')) : undefined,
      want.has('roles')
        ? limit(async () =>
            ensureOk(await api.GET('/api/users/{userId}/roles', { params: { path: { userId }, query: { page_size: 100 } } }), 'GET /api/users/{userId}/roles'),
          )
        : undefined,
      want.has('organizations')
        ? limit(async () => ensureOk(await api.GET('/api/users/{userId}/organizations', path), 'GET /api/users/{userId}/organizations'))
        : undefined,
    ]);
    const profile: LogtoProfile = { available: true };
    if (user) {
      // A 200 whose body is some other user would be a Management API bug; never show it.
      if (user.id !== userId) throw new ManagementApiError('bad_response', 'GET /api/users/{userId} answered another user');
      if (want.has('username')) profile.username = stringOrNull(user.username);
      if (want.has('name')) profile.name = stringOrNull(user.name);
      if (want.has('avatar')) profile.avatar = stringOrNull(user.avatar);
      if (want.has('email')) profile.email = stringOrNull(user.primaryEmail);
      if (want.has('phone')) profile.phone = stringOrNull(user.primaryPhone);
      if (want.has('custom_data')) profile.custom_data = isRecord(user.customData) ? user.customData : {};
    }
    if (roles) {
      if (!Array.isArray(roles)) throw new ManagementApiError('bad_response', 'GET /api/users/{userId}/roles did not answer an array');
      profile.roles = roles.filter((r) => isRecord(r) && typeof r.name === 'string').map((r) => r.name);
    }
    if (organizations) {
      if (!Array.isArray(organizations)) throw new ManagementApiError('bad_response', 'GET /api/users/{userId}/organizations did not answer an array');
      profile.organizations = organizations
        .filter((o) => isRecord(o) && typeof o.id === 'string')
        .map((o) => ({
          id: o.id,
          name: typeof o.name === 'string' ? o.name : '',
          roles: Array.isArray(o.organizationRoles) ? o.organizationRoles.filter((r) => isRecord(r) && typeof r.name === 'string').map((r) => r.name) : [],
        }));
    }
    return profile;
  };

  const profile: ProfileLoader = async (identity) => {
    const fields =
      identity.tokenType === 'opaque' ? options.fields.filter((f) => identity.claims[USERINFO_CLAIM[f]] === undefined) : [...options.fields];
    if (fields.length === 0) return undefined;
    const key = `${identity.issuer}\n${identity.subject}\n${fields.join(',')}`;
    return cache.getOrLoad(key, async () => {
      try {
        const value = await load(identity.subject, fields);
        // A Management API that echoes the credential it was called with must not hand it to the caller.
        if (options.leaks?.(JSON.stringify(value))) throw new ManagementApiError('bad_response', 'the Management API answer holds the M2M credential');
        return { value, expiresAt: now() + options.ttlSeconds * 1000 };
      } catch (error) {
        const code = error instanceof ManagementApiError ? error.code : 'bad_response';
        // Code and message only: never the error object, whose cause could carry a request.
        options.logger?.warn(
          { sub: subjectTag(identity.issuer, identity.subject), code, reason: error instanceof Error ? error.message : String(error) },
          'whoami: Logto profile unavailable',
        );
        return { value: { available: false, error: code }, expiresAt: now() + FAILURE_TTL_MS };
      }
    });
  };
  return profile satisfies ProfileSource;
}

/** whoami's {@link ProfileSource}, answered from the Management API. */
export type ProfileLoader = (identity: Identity) => Promise<LogtoProfile | undefined>;

function stringOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function isRecord(v: unknown): v is Record<string, unknown> & { [k: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
