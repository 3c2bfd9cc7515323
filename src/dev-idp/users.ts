/**
 * Demo accounts of the development IdP. Passwords are public on purpose: this
 * IdP only ever runs on loopback, in memory, for local development.
 */
export interface DevUser {
  /** Logto-like user id: 12 lowercase alphanumerics, fixed per user. */
  sub: string;
  username: string;
  password: string;
  name: string;
  email: string;
  email_verified: boolean;
  picture: string;
}

export const DEV_USERS: readonly DevUser[] = Object.freeze([
  Object.freeze({
    sub: 'a1ice7x2k9qm',
    username: 'alice',
    password: 'alice-password',
    name: 'Alice Example',
    email: 'alice@example.com',
    email_verified: true,
    picture: 'https://www.gravatar.com/avatar/00000000000000000000000000000000?d=identicon',
  }),
  Object.freeze({
    sub: 'b0b4w8n1z6rt',
    username: 'bob',
    password: 'bob-password',
    name: 'Bob Example',
    email: 'bob@example.com',
    email_verified: false,
    picture: 'https://www.gravatar.com/avatar/11111111111111111111111111111111?d=identicon',
  }),
]);

export function findUserBySub(sub: string): DevUser | undefined {
  return DEV_USERS.find((user) => user.sub === sub);
}

export function findUserByUsername(username: string): DevUser | undefined {
  return DEV_USERS.find((user) => user.username === username);
}

/** Password check. Plain comparison: the demo passwords are public anyway. */
export function authenticate(username: string, password: string): DevUser | undefined {
  const user = findUserByUsername(username);
  return user !== undefined && user.password === password ? user : undefined;
}
