#!/usr/bin/env node
import { runCli } from './commands.js';

// The bin: the only place that reads process.env / argv and writes to the real streams.
const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  stdin: process.stdin,
});
process.exitCode = code;
