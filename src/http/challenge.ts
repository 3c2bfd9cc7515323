export interface ChallengeParams {
  /** The RFC 6750 §3.1 error code; absent when the request carried no credentials. */
  error?: string;
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
export function buildChallenge(params: ChallengeParams): string {
  const parts: string[] = [];
  if (params.error) parts.push(`error=${quote(params.error)}`);
  if (params.error && params.errorDescription) parts.push(`error_description=${quote(params.errorDescription)}`);
  if (params.scope && params.scope.length > 0) parts.push(`scope=${quote(params.scope.join(' '))}`);
  parts.push(`resource_metadata=${quote(params.resourceMetadata)}`);
  return `Bearer ${parts.join(', ')}`;
}
