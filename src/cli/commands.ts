import type { CallToolResult, FetchLike } from '@modelcontextprotocol/client';
import { parseCliArgs, USAGE, type CliArgs } from './args.js';
import { openSystemBrowser, type OpenBrowser } from './browser.js';
import { CliError } from './errors.js';
import { probeChallenge, withMcpClient, type McpConnection } from './mcp.js';
import { configDir } from './paths.js';
import { revokeTokens } from './revoke.js';
import { Session } from './session.js';
import { FileStore, type ServerRecord } from './store.js';

/** Everything the CLI touches outside itself, injectable for tests. */
export interface CliDeps {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin?: NodeJS.ReadableStream;
  openBrowser?: OpenBrowser;
  fetchFn?: FetchLike;
  now?: () => number;
  /** How long `login` waits for the browser (default 5 minutes). */
  callbackTimeoutMs?: number;
}

/** Runs one CLI invocation; returns the exit status. */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  try {
    const args = parseCliArgs(argv);
    await dispatch(args, deps);
    return 0;
  } catch (thrown) {
    // A CliError from the session's fetch reaches here wrapped by the SDK's transport: the CLI's own words win.
    const error = cliErrorIn(thrown) ?? thrown;
    if (error instanceof CliError) {
      deps.stderr(`error (${error.code}): ${error.message}`);
      if (error.code === 'usage') deps.stderr(`\n${USAGE}`);
      return error.exitCode;
    }
    deps.stderr(`error: ${describe(error)}`);
    return 1;
  }
}

function cliErrorIn(error: unknown): CliError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof CliError) return e;
  }
  return undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

function openSession(args: CliArgs, deps: CliDeps, serverUrl: string): Promise<Session> {
  return Session.open({
    serverUrl,
    store: new FileStore(configDir(deps.env)),
    openBrowser: deps.openBrowser ?? openSystemBrowser,
    noBrowser: args.noBrowser,
    ...(deps.stdin ? { stdin: deps.stdin } : {}),
    port: args.port,
    clientId: args.clientId,
    clientSecret: args.clientSecret,
    clientMetadataUrl: args.clientMetadataUrl,
    initialAccessToken: args.initialAccessToken,
    scope: args.scope,
    ...(deps.fetchFn ? { fetchFn: deps.fetchFn } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.callbackTimeoutMs ? { callbackTimeoutMs: deps.callbackTimeoutMs } : {}),
    log: deps.stderr,
  });
}

async function dispatch(args: CliArgs, deps: CliDeps): Promise<void> {
  if (args.command === 'help') {
    deps.stdout(USAGE);
    return;
  }
  if (args.command === 'status') {
    printStatus(await new FileStore(configDir(deps.env)).list(), args, deps);
    return;
  }
  const serverUrl = args.serverUrl as string;
  const session = await openSession(args, deps, serverUrl);

  switch (args.command) {
    case 'login': {
      const challenge = await probeChallenge(session.serverUrl, args.transport, deps.fetchFn, args.protocolEra);
      await session.login(challenge);
      printRecord(session.record, args, deps);
      return;
    }
    case 'logout': {
      const outcome = await revokeTokens(session.record, deps.fetchFn);
      await new FileStore(configDir(deps.env)).remove(serverUrl);
      const text = {
        revoked: 'Tokens revoked at the authorization server and deleted.',
        unsupported: 'The authorization server offers no revocation endpoint; tokens deleted locally.',
        nothing: 'Nothing stored for this server.',
        failed: 'Revocation failed at the authorization server; tokens deleted locally.',
      }[outcome];
      if (args.json) deps.stdout(JSON.stringify({ serverUrl: session.serverUrl, revocation: outcome }));
      else deps.stdout(text);
      return;
    }
    case 'tools': {
      const tools = await withMcpClient(session, { transport: args.transport, era: args.protocolEra }, async (client, connection) => {
        reportConnection(connection, args, deps);
        return (await client.listTools(undefined, connection.requestOptions)).tools;
      });
      if (args.json) deps.stdout(JSON.stringify(tools, null, 2));
      else for (const tool of tools) deps.stdout(`${tool.name}${tool.description ? `  — ${tool.description}` : ''}`);
      return;
    }
    case 'whoami':
    case 'call': {
      const name = args.command === 'whoami' ? 'whoami' : (args.tool as string);
      const result = (await withMcpClient(session, { transport: args.transport, era: args.protocolEra }, (client, connection) => {
        reportConnection(connection, args, deps);
        return client.callTool({ name, arguments: args.toolArgs ?? {} }, connection.requestOptions);
      },
      )) as CallToolResult;
      printToolResult(result, args, deps);
      if (result.isError) throw new CliError('tool_error', `The tool "${name}" reported an error.`);
      return;
    }
  }
}

function reportConnection(connection: McpConnection, args: CliArgs, deps: CliDeps): void {
  if (args.verbose) deps.stderr(`Connected: MCP ${connection.protocolVersion ?? 'unknown'} (${connection.era} era, ${args.transport}).`);
}

function printToolResult(result: CallToolResult, args: CliArgs, deps: CliDeps): void {
  if (args.json) {
    deps.stdout(JSON.stringify(result, null, 2));
    return;
  }
  if (result.structuredContent) {
    deps.stdout(JSON.stringify(result.structuredContent, null, 2));
    return;
  }
  for (const item of result.content) deps.stdout(item.type === 'text' ? item.text : `[${item.type} content]`);
}

function expiry(record: ServerRecord, nowMs: number): string {
  const at = record.tokens?.expires_at;
  if (at === undefined) return record.tokens ? 'unknown' : '-';
  const seconds = Math.round(at - nowMs / 1000);
  const when = new Date(at * 1000).toISOString();
  return seconds > 0 ? `${when} (in ${seconds} s)` : `${when} (expired ${-seconds} s ago)`;
}

/** A record without its secrets. */
function summary(record: ServerRecord, nowMs: number) {
  return {
    server: record.serverUrl,
    issuer: record.issuer ?? null,
    resource: record.resource ?? null,
    client: record.client ? { id: record.client.client_id, kind: record.client.kind, confidential: Boolean(record.client.client_secret) } : null,
    signedIn: Boolean(record.tokens),
    scope: record.tokens?.scope || record.tokens?.requested_scope || null,
    expires: expiry(record, nowMs),
    refreshToken: Boolean(record.tokens?.refresh_token),
    updatedAt: record.updatedAt ?? null,
  };
}

function printRecord(record: ServerRecord, args: CliArgs, deps: CliDeps): void {
  printStatus([record], args, deps);
}

function printStatus(records: ServerRecord[], args: CliArgs, deps: CliDeps): void {
  const nowMs = deps.now?.() ?? Date.now();
  const rows = records.map((r) => summary(r, nowMs));
  if (args.json) {
    deps.stdout(JSON.stringify(rows, null, 2));
    return;
  }
  if (!rows.length) {
    deps.stdout('Nothing stored.');
    return;
  }
  for (const row of rows) {
    deps.stdout(
      [
        `${row.server}`,
        `  issuer:    ${row.issuer ?? '-'}`,
        `  client:    ${row.client ? `${row.client.id} (${row.client.kind}${row.client.confidential ? ', confidential' : ''})` : '-'}`,
        `  signed in: ${row.signedIn ? 'yes' : 'no'}${row.scope ? `, scope "${row.scope}"` : ''}`,
        `  expires:   ${row.expires}${row.refreshToken ? ', refresh token stored' : ''}`,
      ].join('\n'),
    );
  }
}
