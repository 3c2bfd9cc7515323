import type { Context, MiddlewareHandler } from 'hono';
import type { GateVariables } from '../auth/bearer-gate.js';
import { answer } from '../http/answer.js';
import { jsonRpcError, SERVER_ERROR, SESSION_NOT_FOUND } from '../http/jsonrpc.js';
import type { Logger } from '../log.js';
import { NOOP_OBSERVER, type Observer } from '../observe/observer.js';
import type { Session, SessionRegistry } from '../transports/sessions.js';
import type { RedisSessionDirectory } from './directory.js';
import { FORWARD_AUTH_HEADER, FORWARDED_HEADER, signForward, type ForwardedRequest, type ForwardVerifier } from './forward-auth.js';
import { forwardRequest } from './forward.js';
import type { IntegrityLog } from './integrity.js';
import type { ClusterKeys } from './seal.js';

export interface SessionRouteOptions {
  /** `streamable`: `/mcp`, the id in `Mcp-Session-Id`; `sse`: `/messages`, the id in `?sessionId=`. */
  kind: Session['kind'];
  registry: SessionRegistry;
  directory: RedisSessionDirectory;
  replicaId: string;
  /** Longest wait for another replica's answer headers, ms. */
  forwardTimeoutMs: number;
  logger: Logger;
  /** Told of every forward and how it ended. */
  observer?: Observer | undefined;
  keys: ClusterKeys;
  /** Checks requests other replicas forward here (one per replica: it remembers their nonces). */
  forwards: ForwardVerifier;
  integrity: IntegrityLog;
}

/** How long a client waits before asking again when the session's replica cannot be found or reached. */
const RETRY_AFTER_SECONDS = 2;
const FORWARD_REFUSED = jsonRpcError(403, SERVER_ERROR, 'Forwarded request not accepted');
const DIRECTORY_UNAVAILABLE = jsonRpcError(503, SERVER_ERROR, 'Session directory unavailable', { retryAfter: RETRY_AFTER_SECONDS });
const HOLDER_UNAVAILABLE = jsonRpcError(503, SERVER_ERROR, 'Session holder unavailable', { retryAfter: RETRY_AFTER_SECONDS });

/**
 * Runs after the bearer gate, before a transport handler (on every MCP endpoint: /sse and
 * initialize too, so their answers wait for the directory write): a request for a session this replica
 * does not hold goes to the replica that does, and its answer comes back as it was sent. Anything
 * this replica cannot route — no session id, a session held here, unknown, of another
 * transport, or of a replica that is gone — falls through to the handler, which answers as it
 * always does (404 for a session it does not know). Redis unreachable, or the holder not
 * answering: 503 with Retry-After, never a hang.
 *
 * A request that says it was forwarded (`X-MCP-Forwarded-To`) is believed only with a valid
 * `X-MCP-Forward-Auth` (a replica with this CLUSTER_SECRET signed its method, path, session id and
 * Authorization, for this replica, within the last seconds, once): otherwise 403, counted. Even
 * then it gets no favour: the bearer gate has checked its token here, and the handler finds the
 * session only for the owner that token names — the holder never takes the forwarder's word for
 * who is calling.
 */
export function sessionRoute(options: SessionRouteOptions): MiddlewareHandler<{ Variables: GateVariables }> {
  /** Handled here; the answer leaves once this request's directory writes have landed. */
  const local = async (next: () => Promise<void>) => {
    await next();
    await options.directory.settled();
  };
  const observer = options.observer ?? NOOP_OBSERVER;
  const sessionId = (c: Context): string | undefined => (options.kind === 'streamable' ? c.req.header('mcp-session-id') : c.req.query('sessionId'));
  const signed = (c: Context, to: string): ForwardedRequest => {
    const url = new URL(c.req.url);
    return { to, method: c.req.method, path: `${url.pathname}${url.search}`, sessionId: c.req.header('mcp-session-id') ?? '', authorization: c.req.header('authorization') ?? '' };
  };
  return async (c, next) => {
    const forwardedTo = c.req.header(FORWARDED_HEADER);
    if (forwardedTo !== undefined) {
      const check = options.forwards.check(c.req.header(FORWARD_AUTH_HEADER), signed(c, forwardedTo));
      if (!check.ok) {
        options.integrity.failed('forward', check.reason);
        return answer(FORWARD_REFUSED);
      }
      // Passed here by another replica: never passed on again (unknown here → the handler's 404).
      const held = sessionId(c);
      if (held !== undefined && options.registry.has(held)) options.directory.touch(held);
      return local(next);
    }
    const id = sessionId(c);
    if (id === undefined) return local(next);
    if (options.registry.has(id)) {
      options.directory.touch(id);
      return local(next);
    }
    let where;
    try {
      where = await options.directory.locate(id);
    } catch {
      return answer(DIRECTORY_UNAVAILABLE);
    }
    // Whoever the caller is: the holder alone decides whether this caller may use the session.
    if (where.state !== 'alive' || where.replicaId === options.replicaId || where.kind !== options.kind) return local(next);
    const outcome = await forwardRequest(c.req.raw, where.url, where.replicaId, signForward(options.keys, options.replicaId, signed(c, where.replicaId)), options.forwardTimeoutMs);
    observer.forwarded(outcome.kind === 'response' ? 'ok' : outcome.kind);
    if (outcome.kind === 'refused') {
      // Nothing listens there any more: the replica is gone, and its sessions with it. Answered
      // here, as the handler would: the request body went to the forward attempt.
      options.directory.forget(id);
      return answer(SESSION_NOT_FOUND);
    }
    if (outcome.kind === 'failed') {
      options.logger.warn({ replica: where.replicaId, reason: outcome.reason }, 'forwarding to the session holder failed');
      return answer(HOLDER_UNAVAILABLE);
    }
    outcome.response.headers.set('x-session-holder', where.replicaId);
    return outcome.response;
  };
}
