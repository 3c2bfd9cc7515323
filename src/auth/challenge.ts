import type { AuthErrorCode } from './errors.js';

export interface ChallengeParams {
  /** Absent when the request carried no credentials (RFC 6750 §3.1: then no error code). */
  error?: AuthErrorCode;
  errorDescription?: string;
  scope?: readonly string[];
  /** RFC 9728 §5.1 */
  resourceMetadata: string;
}

/** RFC 7230 quoted-string: escape `\` and `"`; drop anything outside visible ASCII + space. */
function quote(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * Builds a `WWW-Authenticate: Bearer …` value. Every value is quoted and escaped; callers pass
 * only fixed strings and configuration, never request input.
 */
export function buildChallenge(p: ChallengeParams): string {
  const parts: string[] = [];
  if (p.error) parts.push(`error=${quote(p.error)}`);
  if (p.error && p.errorDescription) parts.push(`error_description=${quote(p.errorDescription)}`);
  if (p.scope && p.scope.length > 0) parts.push(`scope=${quote(p.scope.join(' '))}`);
  parts.push(`resource_metadata=${quote(p.resourceMetadata)}`);
  return `Bearer ${parts.join(', ')}`;
}
