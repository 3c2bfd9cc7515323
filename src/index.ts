#!/usr/bin/env node
import { ConfigError } from './config.js';
import { ENTRY_USAGE, entryCommand } from './entry.js';

// The package's one bin, and the only reader of process.env. Each job loads only its own modules.
const command = entryCommand(process.argv.slice(2));
switch (command.job) {
  case 'help': {
    const usage = command.topic === 'tenant' ? (await import('./tenant/command.js')).TENANT_USAGE : ENTRY_USAGE;
    process.stdout.write(`${usage}\n`);
    break;
  }
  case 'usage-error':
    process.stderr.write(`logto-whoami-mcp: ${command.message}\n\n${ENTRY_USAGE}\n`);
    process.exitCode = 2;
    break;
  case 'client': {
    const { runCli } = await import('./cli/commands.js');
    process.exitCode = await runCli(command.argv, {
      env: process.env,
      stdout: (text) => process.stdout.write(`${text}\n`),
      stderr: (text) => process.stderr.write(`${text}\n`),
      stdin: process.stdin,
    });
    break;
  }
  case 'tenant': {
    const { runTenantCommand } = await import('./tenant/command.js');
    const code = await runTenantCommand(command.argv, process.env, {
      stdout: (t) => process.stdout.write(t),
      stderr: (t) => process.stderr.write(t),
    });
    process.exit(code);
  }
  case 'server':
    await runServer();
}

async function runServer(): Promise<void> {
  try {
    const { startServer } = await import('./start/start-server.js');
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
}
