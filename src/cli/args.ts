import { parseArgs } from 'node:util';
import { CliError } from './errors.js';
import { negotiationMode, type ProtocolEraOption, type TransportKind } from './mcp.js';

export type Command = 'login' | 'whoami' | 'call' | 'tools' | 'logout' | 'status' | 'help';

export interface CliArgs {
  command: Command;
  serverUrl?: string;
  tool?: string;
  toolArgs?: Record<string, unknown>;
  transport: TransportKind;
  protocolEra: ProtocolEraOption;
  noBrowser: boolean;
  port?: number;
  clientId?: string;
  clientSecret?: string;
  clientMetadataUrl?: string;
  initialAccessToken?: string;
  scope?: string;
  json: boolean;
  verbose: boolean;
}

export const USAGE = `Usage: logto-whoami-mcp client <command> [options]

Commands:
  login  <server-url>                   sign in (discover, register or reuse a client, browser, store tokens)
  whoami <server-url>                   call the whoami tool and print the claims
  call   <server-url> <tool> [json-args] call any tool with a JSON object of arguments
  tools  <server-url>                   list the server's tools
  logout <server-url>                   revoke the tokens (RFC 7009, when offered) and delete them
  status                                what is stored, for which server and issuer, expiring when

Options:
  --transport streamable|sse   MCP transport (default streamable)
  --protocol-era auto|2026-07-28|2025
                               auto (default): 2026-07-28 when the server offers it, else the 2025
                               initialize handshake; 2026-07-28 only; 2025 only (MCP Inspector's
                               names, modern and legacy, work too)
  --no-browser                 print the sign-in URL and accept the pasted redirect URL
  --port <n>                   loopback callback port (default: the registered one, else any free port)
  --client-id <id>             use a pre-registered client
  --client-secret <secret>     its secret, for a confidential client
  --client-metadata-url <url>  HTTPS URL of this client's metadata document (used as client_id when supported)
  --initial-access-token <t>   for a registration endpoint that requires one (RFC 7591 §3)
  --scope "<a b>"              scope to request when the server names none
  --json                       machine-readable output
  --verbose                    also print (to stderr) the protocol revision and era the server spoke
  -h, --help                   this text

Tokens are stored in $XDG_CONFIG_HOME/logto-whoami-mcp (default ~/.config/logto-whoami-mcp), mode 0600.`;

/** MCP Inspector's `--protocol-era` names (the SDK's too), accepted for the same eras. */
const INSPECTOR_ERA_NAMES = new Map<string, ProtocolEraOption>([
  ['modern', '2026-07-28'],
  ['legacy', '2025'],
]);

const NEEDS_URL: Command[] = ['login', 'whoami', 'call', 'tools', 'logout'];

export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        transport: { type: 'string', default: 'streamable' },
        'protocol-era': { type: 'string', default: 'auto' },
        'no-browser': { type: 'boolean', default: false },
        port: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'client-metadata-url': { type: 'string' },
        'initial-access-token': { type: 'string' },
        scope: { type: 'string' },
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new CliError('usage', (error as Error).message);
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (values.help || name === undefined || name === 'help') return { command: 'help', transport: 'streamable', protocolEra: 'auto', noBrowser: false, json: false, verbose: false };
  if (!['login', 'whoami', 'call', 'tools', 'logout', 'status'].includes(name)) throw new CliError('usage', `Unknown command "${name}".`);
  const command = name as Command;

  const transport = values.transport;
  if (transport !== 'streamable' && transport !== 'sse') throw new CliError('usage', '--transport must be "streamable" or "sse".');

  const given = values['protocol-era'];
  const protocolEra = INSPECTOR_ERA_NAMES.get(given) ?? given;
  if (protocolEra !== 'auto' && protocolEra !== '2026-07-28' && protocolEra !== '2025') {
    throw new CliError('usage', '--protocol-era must be "auto", "2026-07-28" or "2025".');
  }
  negotiationMode(protocolEra, transport); // throws the usage error for 2026-07-28 over HTTP+SSE

  const args: CliArgs = { command, transport, protocolEra, noBrowser: values['no-browser'], json: values.json, verbose: values.verbose };
  if (NEEDS_URL.includes(command)) {
    const url = rest.shift();
    if (!url) throw new CliError('usage', `"${command}" needs a server URL.`);
    try {
      const parsedUrl = new URL(url);
      if (parsedUrl.protocol !== 'https:' && parsedUrl.protocol !== 'http:') throw new Error('scheme');
    } catch {
      throw new CliError('usage', `Not an http(s) URL: ${url}`);
    }
    args.serverUrl = url;
  }
  if (command === 'call') {
    const tool = rest.shift();
    if (!tool) throw new CliError('usage', '"call" needs a tool name.');
    args.tool = tool;
    const json = rest.shift();
    if (json !== undefined) {
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch {
        throw new CliError('usage', 'Tool arguments must be a JSON object.');
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliError('usage', 'Tool arguments must be a JSON object.');
      args.toolArgs = value as Record<string, unknown>;
    }
  }
  if (rest.length) throw new CliError('usage', `Unexpected argument "${rest[0]}".`);

  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('usage', '--port must be an integer between 0 and 65535.');
    args.port = port;
  }
  if (values['client-secret'] !== undefined && values['client-id'] === undefined) throw new CliError('usage', '--client-secret needs --client-id.');
  if (values['client-id'] !== undefined) args.clientId = values['client-id'];
  if (values['client-secret'] !== undefined) args.clientSecret = values['client-secret'];
  if (values['client-metadata-url'] !== undefined) args.clientMetadataUrl = values['client-metadata-url'];
  if (values['initial-access-token'] !== undefined) args.initialAccessToken = values['initial-access-token'];
  if (values.scope !== undefined) args.scope = values.scope;
  return args;
}
