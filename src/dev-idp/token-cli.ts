#!/usr/bin/env node
/**
 * Prints an access token from the development IdP, for curl examples:
 *
 *   TOKEN=$(npx tsx src/dev-idp/token-cli.ts --user alice --resource http://localhost:3001/mcp --scope "openid whoami:read")
 *   curl -H "Authorization: Bearer $TOKEN" …
 *
 * Built: node dist/dev-idp/token-cli.js … Only the token goes to stdout (or the whole
 * token response with --json); diagnostics go to stderr.
 */
import { parseArgs } from 'node:util';
import { findUserByUsername } from './users.js';
import { DevTokenError, getDevToken } from './token-helper.js';

const USAGE = `Usage: token-cli --user <username> [options]

Gets a token from the development IdP through the real authorization code + PKCE flow.

  --user <name>        demo user (alice, bob); required
  --password <pw>      default: the demo user's documented password
  --resource <url>     API resource indicator (RFC 8707); without it the token is opaque (userinfo only)
  --scope "<scopes>"   default "openid profile email"; add the resource's permissions, e.g. "openid whoami:read"
  --issuer <url>       default http://localhost:$DEV_IDP_PORT/oidc (DEV_IDP_PORT from the environment or
                       ./.env, as npm start reads it; else 3002)
  --client-id <id>     default dev-cli
  --json               print the whole token response as JSON instead of the access token
  -h, --help           show this help
`;

/** The dev IdP `npm start` runs: on DEV_IDP_PORT (the environment, else ./.env), else 3002. */
function defaultIssuer(env: Record<string, string | undefined>): string {
  const port = env['DEV_IDP_PORT']?.trim() || '3002';
  return `http://localhost:${port}/oidc`;
}

/** The environment with ./.env's values under it, as `npm start` (node --env-file-if-exists=.env) sees it. */
function environment(): Record<string, string | undefined> {
  try {
    process.loadEnvFile('.env'); // never overrides a variable that is already set
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return process.env;
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        user: { type: 'string' },
        password: { type: 'string' },
        resource: { type: 'string' },
        scope: { type: 'string' },
        issuer: { type: 'string' },
        'client-id': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.user) {
    process.stderr.write(`--user is required\n\n${USAGE}`);
    return 2;
  }
  const password = values.password ?? findUserByUsername(values.user)?.password;
  if (password === undefined) {
    process.stderr.write(`unknown demo user "${values.user}"; pass --password\n`);
    return 2;
  }

  const issuer = values.issuer ?? defaultIssuer(environment());
  try {
    const tokens = await getDevToken({
      issuer,
      username: values.user,
      password,
      ...(values.resource !== undefined ? { resource: values.resource } : {}),
      ...(values.scope !== undefined ? { scope: values.scope } : {}),
      ...(values['client-id'] !== undefined ? { clientId: values['client-id'] } : {}),
    });
    process.stdout.write(values.json ? `${JSON.stringify(tokens, null, 2)}\n` : `${tokens.access_token}\n`);
    return 0;
  } catch (error) {
    const message = error instanceof DevTokenError ? `${error.code}: ${error.message}` : String(error);
    const hint =
      error instanceof DevTokenError && (error.code === 'unreachable' || error.code === 'invalid_metadata') && values.issuer === undefined
        ? `\ntoken-cli: asked ${issuer} (from DEV_IDP_PORT, else 3002): pass --issuer with the Issuer that npm start prints`
        : '';
    process.stderr.write(`token-cli: ${message}${hint}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
