import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OAuthClientInformationMixed, OAuthDiscoveryState, OAuthTokens } from '@modelcontextprotocol/client';
import { CliError } from './errors.js';
import { serverKey, storeFileName } from './paths.js';

/** How the stored client came to be; only a `dynamic` one may be dropped and registered again. */
export type ClientKind = 'pre-registered' | 'metadata-document' | 'dynamic';

export type StoredClient = OAuthClientInformationMixed & { kind: ClientKind };

/** The redirect URIs a stored client was registered with (none known for pre-registered clients). */
export function registeredRedirectUris(client: StoredClient | undefined): string[] {
  return client && 'redirect_uris' in client && Array.isArray(client.redirect_uris) ? client.redirect_uris.map(String) : [];
}

/** Reads a string field that only one of the two metadata flavours (RFC 8414 / OIDC) declares. */
export function metadataString(metadata: object | undefined, field: string): string | undefined {
  const value = (metadata as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value : undefined;
}

/** Tokens as the SDK hands them to `saveTokens` (stamped with `issuer`), plus when they expire. */
export type StoredTokens = OAuthTokens & {
  /** Epoch seconds at which the access token expires; absent when the server gave no `expires_in`. */
  expires_at?: number;
  /** The scope that was requested (the response's `scope` may be absent). */
  requested_scope?: string;
};

/**
 * Everything the CLI keeps about one MCP server. Client and tokens belong to `issuer`: when
 * discovery later yields another issuer they are discarded, never presented to it.
 */
export interface ServerRecord {
  version: 1;
  serverUrl: string;
  issuer?: string;
  /** The protected resource metadata's `resource`, byte for byte. */
  resource?: string;
  discovery?: OAuthDiscoveryState;
  client?: StoredClient;
  tokens?: StoredTokens;
  updatedAt?: string;
}

export function emptyRecord(serverUrl: string): ServerRecord {
  return { version: 1, serverUrl: serverKey(serverUrl) };
}

export interface LockOptions {
  /** Give up after this many milliseconds (default 10 000). */
  timeoutMs?: number;
  /** A lock file older than this is considered left behind by a dead process (default 30 000). */
  staleMs?: number;
}

/**
 * One JSON file per server under `dir`. Writes go to a temporary file that is renamed over the
 * target (atomic on POSIX), with mode 0600 — the file holds refresh tokens and client secrets.
 * `withLock` serialises read-modify-write cycles across processes with an `O_EXCL` lock file.
 */
export class FileStore {
  constructor(readonly dir: string) {}

  pathFor(serverUrl: string): string {
    return join(this.dir, storeFileName(serverUrl));
  }

  async read(serverUrl: string): Promise<ServerRecord> {
    let text: string;
    try {
      text = await readFile(this.pathFor(serverUrl), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyRecord(serverUrl);
      throw error;
    }
    const parsed = JSON.parse(text) as ServerRecord;
    // A file whose key differs (hash collision, hand edit) is not ours to use.
    return parsed.version === 1 && parsed.serverUrl === serverKey(serverUrl) ? parsed : emptyRecord(serverUrl);
  }

  async write(record: ServerRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = this.pathFor(record.serverUrl);
    const temp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const body = `${JSON.stringify({ ...record, updatedAt: new Date().toISOString() }, null, 2)}\n`;
    try {
      await writeFile(temp, body, { mode: 0o600, flag: 'wx' });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async remove(serverUrl: string): Promise<void> {
    await rm(this.pathFor(serverUrl), { force: true });
  }

  async list(): Promise<ServerRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: ServerRecord[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      try {
        const record = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as ServerRecord;
        if (record.version === 1 && typeof record.serverUrl === 'string') records.push(record);
      } catch {
        // An unreadable file is skipped, not fatal for `status`.
      }
    }
    return records;
  }

  /** Runs `fn` while holding the per-server lock file; bounded wait, stale locks are broken. */
  async withLock<T>(serverUrl: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const staleMs = options.staleMs ?? 30_000;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const lockPath = `${this.pathFor(serverUrl)}.lock`;
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(lockPath, 'wx', 0o600);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > staleMs) {
          await unlink(lockPath).catch(() => undefined);
          continue;
        }
        if (Date.now() >= deadline) {
          throw new CliError('lock_timeout', `Timed out waiting for the lock on ${lockPath}; remove it if no other logto-whoami-mcp is running.`);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(25 * 2 ** Math.min(attempt, 4), 200)));
      }
    }
    try {
      return await fn();
    } finally {
      await unlink(lockPath).catch(() => undefined);
    }
  }
}
