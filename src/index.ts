#!/usr/bin/env node
import { ConfigError } from './config.js';
import { isTenantCommand, runTenantCommand } from './tenant/command.js';
import { startServer } from './start/start-server.js';

// The only reader of process.env.
const argv = process.argv.slice(2);
if (isTenantCommand(argv)) {
  const code = await runTenantCommand(argv, process.env, {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
  process.exit(code);
}
try {
  const server = await startServer(process.env);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: shutting down\n`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `logto-whoami-mcp: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
