import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'oidc-provider';

/**
 * A fresh EC P-384 (ES384) signing key per start, like Logto's default key type.
 * Ephemeral on purpose: tokens from a previous run stop verifying after a restart.
 */
export async function generateSigningJwks(): Promise<{ keys: JWK[] }> {
  const { privateKey } = await generateKeyPair('ES384', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { keys: [{ ...jwk, kid: randomUUID(), alg: 'ES384', use: 'sig' } as JWK] };
}

/** Random cookie signing keys per start. */
export function generateCookieKeys(): string[] {
  return [randomBytes(32).toString('base64url')];
}
