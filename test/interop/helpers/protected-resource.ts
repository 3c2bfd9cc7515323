/** The `resource` our server names for `endpointUrl` (its path-suffixed protected-resource metadata, RFC 9728 §3.1). */
export async function resourceOf(endpointUrl: string): Promise<string> {
  const endpoint = new URL(endpointUrl);
  const response = await fetch(`${endpoint.origin}/.well-known/oauth-protected-resource${endpoint.pathname}`);
  return ((await response.json()) as { resource: string }).resource;
}
