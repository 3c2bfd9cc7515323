import { announcedUrls, singleResourceWarning, type Config } from '../../config.js';
import { isLoopbackHost } from '../../shared/loopback-host.js';
import type { Check } from './checklist.js';

/** PUBLIC_URL and the resources (MCP_RESOURCE): what clients will be told, and whether it can work off this machine. */
export function checkConfiguration(config: Config): Check[] {
  const checks: Check[] = [];
  const publicUrl = config.publicUrl ? new URL(config.publicUrl) : undefined;
  if (!publicUrl) {
    checks.push({
      id: 'config.public_url',
      status: 'warn',
      summary: `PUBLIC_URL is not set: the server announces http://localhost:${config.port || '<port>'}, right only for clients on this machine that use localhost`,
      fix:
        `give clients http://localhost:${config.port || '<port>'}/mcp, not 127.0.0.1 (they refuse a resource that does not match the URL they used: use localhost or set PUBLIC_URL); ` +
        "elsewhere set PUBLIC_URL to the URL clients use (e.g. https://mcp.example.com); behind a proxy it is the proxy's URL",
    });
  } else if (publicUrl.protocol === 'http:' && !isLoopbackHost(publicUrl.hostname)) {
    checks.push({
      id: 'config.public_url',
      status: 'fail',
      summary: `PUBLIC_URL ${config.publicUrl} is http on a host that is not loopback: bearer tokens would cross the network in clear`,
      fix: 'serve the MCP server over https (TLS at your proxy) and set PUBLIC_URL to the https URL',
    });
  } else {
    checks.push({ id: 'config.public_url', status: 'ok', summary: `PUBLIC_URL ${config.publicUrl}` });
  }

  // The resources the server announces (RFC 9728 `resource`): Logto must know each as an API identifier.
  const urls = announcedUrls(config);
  const endpoints: Array<[string, string]> = urls.singleResource
    ? [[urls.resources.mcp, '/mcp, /sse and /messages']]
    : [
        [urls.resources.mcp, '/mcp'],
        [urls.resources.sse, '/sse and /messages'],
      ];
  for (const [resource, endpoint] of endpoints) checks.push(checkResource(resource, endpoint, urls.singleResource));
  const warning = singleResourceWarning(urls);
  if (warning) {
    checks.push({
      id: 'config.single_resource',
      status: 'warn',
      summary: warning.problem,
      fix: 'unset MCP_RESOURCE, run with --setup (it creates both API resources with the same permissions), then --doctor; keep MCP_RESOURCE only if those clients need not sign in',
    });
  }
  return checks;
}

function checkResource(resource: string, endpoint: string, single: boolean): Check {
  const url = new URL(resource);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return {
      id: 'config.resource',
      status: 'fail',
      summary: `resource ${resource} is http on a host that is not loopback`,
      fix: single ? 'use the https URL of the server for MCP_RESOURCE (or leave it unset: it follows PUBLIC_URL)' : 'set PUBLIC_URL to the https URL of the server',
    };
  }
  if (url.search) {
    return {
      id: 'config.resource',
      status: 'fail',
      summary: `resource ${resource} has a query; an API identifier for MCP should be the server's URL`,
      fix: 'drop the query from MCP_RESOURCE',
    };
  }
  return {
    id: 'config.resource',
    status: 'ok',
    summary: `resource ${resource} (${single ? 'MCP_RESOURCE' : 'from PUBLIC_URL'}; ${endpoint}): an API identifier Logto must have, byte for byte`,
  };
}
