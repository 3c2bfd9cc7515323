import { randomBytes } from 'node:crypto';

/** Logto's ids: 21 lowercase alphanumerics. */
export function logtoId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(21)].map((b) => alphabet[b % alphabet.length]).join('');
}
