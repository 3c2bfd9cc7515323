import { createHash } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { Scrubber } from './secret.js';

export type { Logger };

/**
 * Structured JSON logs (pino). Nothing here logs headers or bodies; the redact list is a second
 * line of defence should anyone ever log a request object. With a `scrubber`, every serialized line
 * is run through it (pino's `streamWrite` hook), whatever the level and whatever an upstream echoed
 * into a message: the M2M secret and M2M access tokens never reach the destination.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream, scrubber?: Scrubber): Logger {
  const options = {
    level,
    ...(scrubber ? { hooks: { streamWrite: (line: string) => scrubber.scrub(line) } } : {}),
    base: { service: 'logto-whoami-mcp' },
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'authorization', 'token', 'access_token', 'refresh_token'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}

/** A short, stable, non-reversible tag for a subject, for logs. */
export function subjectTag(issuer: string, subject: string): string {
  return createHash('sha256').update(`${issuer}\n${subject}`).digest('base64url').slice(0, 12);
}

const SECRET_PARAMS = new Set(['access_token', 'sessionid', 'session_id', 'code', 'state', 'token']);

/** The request path for a log line: query values that are secrets or session ids replaced. */
export function redactedPath(url: URL): string {
  if (!url.search) return url.pathname;
  const params = [...url.searchParams.keys()].map((k) =>
    SECRET_PARAMS.has(k.toLowerCase()) ? `${encodeURIComponent(k)}=[redacted]` : `${encodeURIComponent(k)}=…`,
  );
  return `${url.pathname}?${params.join('&')}`;
}
