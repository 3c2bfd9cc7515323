/**
 * Why an API identifier almost equals the resource the server announces. Logto matches the
 * `resource` parameter against API identifiers byte for byte, so each of these makes a client's
 * token request fail with `invalid_target`. Undefined when the two are equal or not close.
 */
export function nearMiss(wanted: string, candidate: string): string | undefined {
  if (wanted === candidate) return undefined;
  const bare = (s: string) => s.replace(/\/+$/, '');
  if (bare(wanted) === bare(candidate)) return candidate.length > wanted.length ? 'a trailing slash too many' : 'a missing trailing slash';
  const a = URL.parse(wanted);
  const b = URL.parse(candidate);
  if (!a || !b || a.hostname !== b.hostname || a.search !== b.search || a.hash !== b.hash) return undefined;
  const reasons: string[] = [];
  if (a.protocol !== b.protocol) reasons.push(`scheme (${b.protocol.slice(0, -1)} instead of ${a.protocol.slice(0, -1)})`);
  if (a.port !== b.port) reasons.push(`port (${b.port || 'default'} instead of ${a.port || 'default'})`);
  const pa = a.pathname;
  const pb = b.pathname;
  if (pa !== pb) {
    if (bare(pa) === bare(pb)) reasons.push(pb.length > pa.length ? 'a trailing slash too many' : 'a missing trailing slash');
    // The identifier of a whole server (`https://host/`), where each endpoint is now its own resource.
    else if (pa.startsWith(`${bare(pb)}/`)) reasons.push(`names the whole server, not the endpoint ${pa} (an identifier for MCP_RESOURCE's single-resource mode)`);
    else return undefined;
  }
  // Same URL once parsed, different text: letter case, an explicit default port, a root slash.
  if (reasons.length === 0) reasons.push('spelling (the same URL written differently)');
  return reasons.join(', ');
}
