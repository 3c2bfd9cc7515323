import { announcedUrls, isLoopbackHost, type Config } from '../../config.js';
import type { Check } from './checklist.js';

/** PUBLIC_URL and MCP_RESOURCE: what clients will be told, and whether it can work off this machine. */
export function checkConfiguration(config: Config): Check[] {
  const checks: Check[] = [];
  const publicUrl = config.publicUrl ? new URL(config.publicUrl) : undefined;
  if (!publicUrl) {
    checks.push({
      id: 'config.public_url',
      status: 'warn',
      summary: `PUBLIC_URL is not set: the server announces http://localhost:${config.port || '<port>'}, right only for clients on this machine`,
      fix: 'set PUBLIC_URL to the URL clients use (e.g. https://mcp.example.com); behind a proxy it is the proxy\'s URL',
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

  // The resource the server announces (RFC 9728 `resource`): Logto must know it as an API identifier.
  const { resource } = announcedUrls(config);
  const url = new URL(resource);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    checks.push({
      id: 'config.resource',
      status: 'fail',
      summary: `resource ${resource} is http on a host that is not loopback`,
      fix: 'use the https URL of the server for MCP_RESOURCE (or leave it unset: it follows PUBLIC_URL)',
    });
  } else if (url.search) {
    checks.push({
      id: 'config.resource',
      status: 'fail',
      summary: `resource ${resource} has a query; an API identifier for MCP should be the server's URL`,
      fix: 'drop the query from MCP_RESOURCE',
    });
  } else {
    checks.push({
      id: 'config.resource',
      status: 'ok',
      summary: `resource ${resource}${config.resource ? ' (MCP_RESOURCE)' : ' (from PUBLIC_URL)'}: the API identifier Logto must have, byte for byte`,
    });
  }
  return checks;
}
