/** The bin's command line: no command starts the server; setup/doctor, client and help are words in front. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entryCommand } from '../../src/entry.js';

describe('logto-whoami-mcp [command]', () => {
  it('no arguments: the server', () => {
    assert.deepEqual(entryCommand([]), { job: 'server' });
  });

  it('setup and doctor run the tenant commands, as --setup / --doctor (kept, anywhere in argv) do', () => {
    assert.deepEqual(entryCommand(['setup', '--dry-run']), { job: 'tenant', argv: ['--setup', '--dry-run'] });
    assert.deepEqual(entryCommand(['doctor', '--json']), { job: 'tenant', argv: ['--doctor', '--json'] });
    assert.deepEqual(entryCommand(['--doctor']), { job: 'tenant', argv: ['--doctor'] });
    assert.deepEqual(entryCommand(['--app-id', 'x', '--setup']), { job: 'tenant', argv: ['--app-id', 'x', '--setup'] });
    assert.deepEqual(entryCommand(['doctor', '--help']), { job: 'help', topic: 'tenant' });
  });

  it('client passes the rest to the command-line client', () => {
    assert.deepEqual(entryCommand(['client', 'whoami', 'http://localhost:3001/mcp', '--json']), {
      job: 'client',
      argv: ['whoami', 'http://localhost:3001/mcp', '--json'],
    });
    assert.deepEqual(entryCommand(['client']), { job: 'client', argv: [] });
  });

  it('help, --help and -h print the usage', () => {
    for (const word of ['help', '--help', '-h']) assert.deepEqual(entryCommand([word]), { job: 'help', topic: 'entry' });
  });

  it('anything else is a usage error, never a server started with arguments it ignores', () => {
    const login = entryCommand(['login', 'http://localhost:3001/mcp']);
    assert.equal(login.job, 'usage-error');
    assert.match(login.job === 'usage-error' ? login.message : '', /logto-whoami-mcp client login http:\/\/localhost:3001\/mcp/);
    assert.deepEqual(entryCommand(['--port', '3001']), { job: 'usage-error', message: 'unknown command "--port"' });
  });
});
