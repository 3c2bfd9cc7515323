import type { Identity } from '../../auth/authenticate.js';

/** An organization the caller belongs to, with the caller's organization roles (names). */
export interface ProfileOrganization {
  id: string;
  name: string;
  roles: string[];
}

/** What whoami shows under `logto`: only the configured fields, or why there is nothing. */
export type WhoamiProfile =
  | ({ available: true } & Partial<{
      username: string | null;
      name: string | null;
      avatar: string | null;
      email: string | null;
      phone: string | null;
      custom_data: Record<string, unknown>;
      roles: string[];
      organizations: ProfileOrganization[];
    }>)
  | { available: false; error: string };

/**
 * Where whoami gets the caller's profile (src/logto/ implements it with Logto's Management API):
 * undefined → no `logto` key. Must not throw: trouble is `{ available: false }`.
 */
export type ProfileSource = (identity: Identity) => Promise<WhoamiProfile | undefined>;
