/** The CLI's one retry on a connection reset, against a real HTTP server on 127.0.0.1 that resets the first request. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { resilientFetch } from '../../src/cli/fetch.js';

describe('resilientFetch', () => {
  let server: Server;
  let url: string;
  let seen = 0;
  let resets = 0;

  before(async () => {
    server = createServer((req, res) => {
      seen++;
      // Every odd request: kill the socket without an answer, as a server closing an idle keep-alive connection does.
      if (seen % 2 === 1) {
        resets++;
        req.socket.destroy();
        return;
      }
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends a replayable request once more after a reset, and only once', async () => {
    const before = resets;
    const res = await resilientFetch(url, { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(await res.text(), 'ok');
    assert.equal(resets - before, 1);
  });

  it('does not replay a streamed body', async () => {
    seen = 0; // the next request is reset
    const body = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('x')), c.close()) });
    await assert.rejects(resilientFetch(url, { method: 'POST', body, duplex: 'half' } as RequestInit));
    assert.equal(seen, 1, 'sent once');
  });
});
