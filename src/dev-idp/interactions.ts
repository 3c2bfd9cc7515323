import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { isMetadataDocumentClient } from './cimd.js';
import type { DevIdpLogger } from './logger.js';
import { authenticate, findUserBySub } from './users.js';
import { renderConsent, renderError, renderLogin } from './views.js';

/** Matches `/interaction/:uid` and `/interaction/:uid/(login|confirm)`. */
const ROUTE = /^\/interaction\/([\w-]+)(?:\/(login|confirm))?$/;
const MAX_FORM_BYTES = 16 * 1024;

/**
 * The login and consent screens oidc-provider sends the user-agent to (Logto's
 * sign-in experience, reduced to one HTML form each). Returns false when the
 * path is not an interaction route.
 */
export async function handleInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  logger: DevIdpLogger,
): Promise<boolean> {
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  const match = ROUTE.exec(pathname);
  if (!match) return false;
  const [, uid, action] = match;

  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return sendHtml(res, 400, renderError('invalid_request', 'interaction mismatch')), true;
    const client = await provider.Client.find(String(details.params.client_id));
    const clientName = client?.clientName ?? String(details.params.client_id);

    if (req.method === 'GET' && action === undefined) {
      if (details.prompt.name === 'login') {
        const loginHint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;
        sendHtml(res, 200, renderLogin({ uid, clientName, username: loginHint }));
      } else {
        const user = findUserBySub(details.session?.accountId ?? '');
        const missing = details.prompt.details as ConsentDetails;
        sendHtml(res, 200, renderConsent({
          uid,
          clientName,
          username: user?.username ?? 'unknown',
          scopes: [...(missing.missingOIDCScope ?? [])],
          resources: missing.missingResourceScopes ?? {},
          metadataDocument: client && isMetadataDocumentClient(client) ? client.clientId : undefined,
        }));
      }
      return true;
    }

    if (req.method === 'POST' && action === 'login' && details.prompt.name === 'login') {
      const form = await readForm(req);
      const username = form.get('username') ?? '';
      const user = authenticate(username, form.get('password') ?? '');
      if (!user) {
        logger.info({ event: 'dev_idp.login_failed', username }, 'development IdP: wrong username or password');
        sendHtml(res, 401, renderLogin({ uid, clientName, username, error: 'Wrong username or password.' }));
        return true;
      }
      logger.info({ event: 'dev_idp.login', sub: user.sub, username: user.username }, 'development IdP: user signed in');
      await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
      return true;
    }

    if (req.method === 'POST' && action === 'confirm' && details.prompt.name === 'consent') {
      const form = await readForm(req);
      if (form.get('decision') !== 'approve') {
        await provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'End-User denied the authorization request' },
          { mergeWithLastSubmission: false },
        );
        return true;
      }
      const accountId = details.session?.accountId;
      if (!accountId) return sendHtml(res, 400, renderError('invalid_request', 'no signed-in user')), true;
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
      if (!grant) return sendHtml(res, 400, renderError('invalid_request', 'grant not found')), true;
      const missing = details.prompt.details as ConsentDetails;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return true;
    }

    sendHtml(res, 405, renderError('invalid_request', 'unexpected request for this step of the sign-in'));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'SessionNotFound') {
      sendHtml(res, 400, renderError('invalid_request', 'the sign-in session expired or its cookie is missing; start again from the client'));
    } else {
      logger.error({ event: 'dev_idp.interaction_error', err: error }, 'development IdP: interaction failed');
      if (!res.headersSent) sendHtml(res, 500, renderError('server_error'));
    }
    return true;
  }
}

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
  });
  res.end(html);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('form body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
