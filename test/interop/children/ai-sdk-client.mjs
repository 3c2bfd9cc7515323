/**
 * The Vercel AI SDK's MCP client (`@ai-sdk/mcp`, pinned in test/interop/tools) as an application would
 * use it, run on Node 22 by test/interop/helpers/ai-sdk.ts: `createMCPClient` with an OAuth client
 * provider, so the SDK's own code does discovery, dynamic registration (or uses the pre-registered
 * client id it is given), PKCE, the token exchange and the resource parameter. No model: it lists the
 * tools and calls `whoami` directly.
 *
 * The provider keeps everything in memory. The browser step is the test's: `redirectToAuthorization`
 * writes the URL to stdout, the test signs in headlessly and writes the redirect it reached back on
 * stdin, and this program finishes the sign-in with the SDK's `auth()` — the documented way for an
 * application's callback route — then connects again.
 *
 * Protocol (JSON, one object per line). In: the environment variable AI_SDK_CLIENT (module, url,
 * transport, redirectUrl, clientId?); on stdin `{ "callbackUrl": … }` when asked. Out on stdout:
 * `{ "type": "authorize", "url" }`, then `{ "type": "result", … }` or `{ "type": "error", … }`.
 * Plain JavaScript: it runs on Node 22 outside the project's TypeScript build, and imports the SDK
 * from the interop tools' install by path.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const options = JSON.parse(process.env.AI_SDK_CLIENT ?? '{}');
const { createMCPClient, auth } = await import(pathToFileURL(options.module).href);

const emit = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Method, path, status — plus, never a secret, what shows the era and the resource: the MCP version header, the JSON-RPC method, a token request's grant type and resource. */
const exchanges = [];
/** Requests whose answer has not arrived: over SSE a result can come on the stream before its POST's 202. */
const inflight = new Set();
const recordingFetch = async (input, init = {}) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const headers = new Headers(init.headers);
  const entry = { method: (init.method ?? 'GET').toUpperCase(), url: url.href };
  const version = headers.get('mcp-protocol-version');
  if (version) entry.protocolVersion = version;
  if (typeof init.body === 'string' && init.body.startsWith('{')) {
    try {
      const rpc = JSON.parse(init.body);
      if (typeof rpc.method === 'string') entry.rpc = rpc.method;
    } catch {
      // not JSON-RPC
    }
  } else if (init.body instanceof URLSearchParams || (typeof init.body === 'string' && init.body.includes('grant_type='))) {
    const form = new URLSearchParams(init.body);
    entry.grantType = form.get('grant_type');
    entry.resource = form.get('resource');
  }
  exchanges.push(entry);
  const answered = fetch(input, init).then((response) => {
    entry.status = response.status;
    return response;
  });
  inflight.add(answered);
  answered.then(
    () => inflight.delete(answered),
    () => inflight.delete(answered),
  );
  return answered;
};


const store = {
  client: options.clientId ? { client_id: options.clientId } : undefined,
  dynamic: false,
  tokens: undefined,
  verifier: undefined,
  state: undefined,
  server: undefined,
  authorizationUrls: [],
};

/** @type {import('@ai-sdk/mcp').OAuthClientProvider} */
const provider = {
  get redirectUrl() {
    return options.redirectUrl;
  },
  get clientMetadata() {
    return {
      client_name: 'AI SDK MCP client (logto-whoami-mcp interop)',
      redirect_uris: [options.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  },
  clientInformation: () => store.client,
  saveClientInformation: (information) => {
    store.client = information;
    store.dynamic = true;
  },
  isClientInformationDynamicallyRegistered: () => store.dynamic,
  tokens: () => store.tokens,
  saveTokens: (tokens) => {
    store.tokens = tokens;
  },
  saveCodeVerifier: (verifier) => {
    store.verifier = verifier;
  },
  codeVerifier: () => store.verifier,
  state: () => randomBytes(16).toString('base64url'),
  saveState: (state) => {
    store.state = state;
  },
  storedState: () => store.state,
  authorizationServerInformation: () => store.server,
  saveAuthorizationServerInformation: (information) => {
    store.server = information;
  },
  redirectToAuthorization: (url) => {
    store.authorizationUrls.push(url.href);
    emit({ type: 'authorize', url: url.href });
  },
};

const connect = () =>
  createMCPClient({
    transport: { type: options.transport, url: options.url, authProvider: provider, fetch: recordingFetch },
    clientName: 'logto-whoami-mcp-interop',
  });

try {
  let client;
  try {
    client = await connect();
  } catch (error) {
    // Without a token the SDK starts the sign-in and rejects with UnauthorizedError.
    if (store.authorizationUrls.length === 0) throw error;
  }
  if (!client) {
    const { value } = await lines.next();
    if (!value) throw new Error('stdin closed before the callback URL arrived');
    const callback = new URL(JSON.parse(value).callbackUrl);
    const result = await auth(provider, {
      serverUrl: options.url,
      authorizationCode: callback.searchParams.get('code') ?? undefined,
      callbackState: callback.searchParams.get('state') ?? undefined,
      callbackIssuer: callback.searchParams.get('iss') ?? undefined,
      fetchFn: recordingFetch,
    });
    if (result !== 'AUTHORIZED') throw new Error(`auth() after the callback answered ${result}`);
    client = await connect();
  }
  const tools = await client.listTools();
  const whoami = await client.callTool({ name: 'whoami', arguments: {} });
  await Promise.allSettled([...inflight]);
  emit({
    type: 'result',
    protocolVersion: client.initializeResult?.protocolVersion,
    tools: tools.tools.map((tool) => tool.name),
    whoami,
    clientId: store.client?.client_id,
    dynamicallyRegistered: store.dynamic,
    authorizationUrls: store.authorizationUrls,
    exchanges,
  });
  await client.close();
} catch (error) {
  emit({
    type: 'error',
    name: error?.name,
    message: String(error?.message ?? error),
    cause: error?.cause === undefined ? undefined : String(error.cause?.message ?? error.cause),
    authorizationUrls: store.authorizationUrls,
    exchanges,
  });
  process.exitCode = 1;
} finally {
  process.stdin.destroy();
}
