/** Which of the package's jobs a command line asks for; the bin (index.ts) runs it. No I/O here. */
export type EntryCommand =
  | { readonly job: 'server' }
  | { readonly job: 'tenant'; readonly argv: string[] }
  | { readonly job: 'client'; readonly argv: string[] }
  | { readonly job: 'help'; readonly topic: 'entry' | 'tenant' }
  | { readonly job: 'usage-error'; readonly message: string };

export const ENTRY_USAGE = `Usage: logto-whoami-mcp [command]

  (no command)                 start the MCP server; settings come from the environment (LOGTO_ENDPOINT,
                               PORT, …; none set: the embedded development IdP)
  setup [options]              create the API resources, their permissions and an app for your MCP client
                               in your Logto tenant where missing (--setup works too)
  doctor [options]             check this configuration against its Logto tenant (--doctor works too)
  client <command> [options]   the command-line MCP client: login, whoami, call, tools, logout, status
  help                         this text; setup --help, doctor --help and client --help say more`;

/** The client's commands, to point at `client` when one is given without it. */
const CLIENT_COMMANDS = new Set(['login', 'whoami', 'call', 'tools', 'logout', 'status']);

/**
 * `logto-whoami-mcp` with no arguments starts the server; `setup` / `doctor` (or `--setup` / `--doctor`
 * anywhere, as before) run the tenant commands; `client …` runs the command-line client. Anything else is
 * a usage error rather than a server started with arguments it ignores.
 */
export function entryCommand(argv: readonly string[]): EntryCommand {
  const [first, ...rest] = argv;
  if (first === undefined) return { job: 'server' };
  if (first === 'client') return { job: 'client', argv: rest };
  const tenant = first === 'setup' || first === 'doctor' ? [`--${first}`, ...rest] : argv.includes('--setup') || argv.includes('--doctor') ? [...argv] : undefined;
  if (tenant) return tenant.includes('--help') || tenant.includes('-h') ? { job: 'help', topic: 'tenant' } : { job: 'tenant', argv: tenant };
  if (first === 'help' || first === '--help' || first === '-h') return { job: 'help', topic: 'entry' };
  if (CLIENT_COMMANDS.has(first)) {
    return { job: 'usage-error', message: `"${first}" is a command of the client: logto-whoami-mcp client ${argv.join(' ')}` };
  }
  return { job: 'usage-error', message: `unknown command "${first}"` };
}
