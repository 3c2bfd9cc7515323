import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Directory holding one JSON file per server: `$XDG_CONFIG_HOME/logto-whoami-mcp`, else `~/.config/logto-whoami-mcp`. */
export function configDir(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'logto-whoami-mcp');
}

/** The canonical key for a server URL (parsed and re-serialised, fragment dropped). */
export function serverKey(serverUrl: string | URL): string {
  const url = new URL(serverUrl);
  url.hash = '';
  return url.href;
}

/** `host_port-<hash>.json`: readable in `ls`, unique per server URL. */
export function storeFileName(serverUrl: string | URL): string {
  const key = serverKey(serverUrl);
  const url = new URL(key);
  const readable = `${url.hostname}_${url.port || (url.protocol === 'https:' ? '443' : '80')}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `${readable}-${hash}.json`;
}
