import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFakeIdp, type FakeIdp } from '../../bench/support/fake-idp.js';
import { openSse, startAgainst, type TestServer } from '../support/security.js';

const MIB = 1024 * 1024;

/**
 * One raw HTTP/1.1 POST of `size` body bytes, written in `chunkBytes` pieces every `everyMs` ms
 * (0 = as fast as the socket takes them). Like most HTTP clients (curl, undici) it reads the answer
 * only once it has sent the body (or failed to): a server that closes with unread request bytes
 * sends a TCP RST, and the RST makes the kernel drop the answer the client has not read yet.
 * Resolves with what was read and the first socket error (EPIPE/ECONNRESET), once the socket closes.
 */
function upload(port: number, path: string, token: string, o: { size: number; chunkBytes: number; everyMs: number; chunked?: boolean; readWhileSending?: boolean }): Promise<{ received: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let error: string | undefined;
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const framing = o.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${o.size}`;
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: localhost:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
        `Accept: application/json, text/event-stream\r\n${framing}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(o.chunkBytes, 'x');
    if (!o.readWhileSending) socket.pause();
    const next = () => {
      if (socket.destroyed || socket.writableEnded) return;
      if (sent >= o.size) {
        if (o.chunked) socket.write('0\r\n\r\n');
        socket.resume();
        return;
      }
      const piece = chunk.subarray(0, Math.min(o.chunkBytes, o.size - sent));
      sent += piece.length;
      const ok = socket.write(o.chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
      if (o.everyMs > 0) timer = setTimeout(next, o.everyMs);
      else if (ok) setImmediate(next);
      else socket.once('drain', next);
    };
    next();
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      // The whole answer is in: hang up (the server keeps a drained connection alive).
      const end = received.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(received.slice(0, end))?.[1];
      if (end !== -1 && length !== undefined && Buffer.byteLength(received.slice(end + 4), 'latin1') >= Number(length)) socket.destroy();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e.code ?? e.message;
      socket.resume();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received, ...(error ? { error } : {}) });
    });
    // A client hangs up once it has its answer; the server must not need it to.
    socket.setTimeout(20_000, () => socket.destroy(new Error('client timeout')));
  });
}

describe('An oversized body always gets its 413 (OWASP API4, RFC 9110 §15.5.14)', () => {
  let idp: FakeIdp;
  let server: TestServer;
  let alice: string;
  before(async () => {
    idp = await startFakeIdp();
    // The default MAX_BODY_BYTES (1 MiB); the bodies below are 2 MiB.
    server = await startAgainst(idp, {});
    alice = await idp.accessToken('body-limit', server.resources.mcp);
  });
  after(async () => {
    await server.close();
    await idp.close();
  });

  const cases = [
    { name: 'a fast writer, Content-Length', rounds: 12, o: { size: 2 * MIB, chunkBytes: 256 * 1024, everyMs: 0 } },
    { name: 'a fast writer, chunked', rounds: 6, o: { size: 2 * MIB, chunkBytes: 256 * 1024, everyMs: 0, chunked: true } },
    { name: 'a slow writer (64 KiB every 25 ms), Content-Length', rounds: 4, o: { size: 2 * MIB, chunkBytes: 64 * 1024, everyMs: 25 } },
    { name: 'a slow writer (64 KiB every 25 ms), chunked', rounds: 3, o: { size: 2 * MIB, chunkBytes: 64 * 1024, everyMs: 25, chunked: true } },
  ];
  for (const c of cases) {
    it(`${c.name}: the 413 is read by the client every time (${c.rounds} rounds)`, async () => {
      for (let round = 0; round < c.rounds; round++) {
        const r = await upload(server.port, '/mcp', alice, c.o);
        assert.match(r.received, /^HTTP\/1\.1 413 /, `round ${round}: got ${JSON.stringify(r.received.slice(0, 40))}, socket error ${r.error ?? 'none'}`);
        assert.match(r.received, /"code":-32600/, 'the JSON-RPC error body arrived too');
      }
    });
  }

  it('a body declared beyond the drain bound is answered at once, with Connection: close (a client reading along gets it)', async () => {
    const r = await upload(server.port, '/mcp', alice, { size: 64 * MIB, chunkBytes: 64 * 1024, everyMs: 50, readWhileSending: true });
    assert.match(r.received, /^HTTP\/1\.1 413 /);
    assert.match(r.received, /\r\nconnection: close\r\n/i);
  });

  it('/messages (2024-11-05 HTTP+SSE): the same, fast and slow', async () => {
    const s = await openSse(server, alice);
    try {
      for (const o of [{ size: 2 * MIB, chunkBytes: 256 * 1024, everyMs: 0 }, { size: 2 * MIB, chunkBytes: 64 * 1024, everyMs: 25 }]) {
        const r = await upload(server.port, `/messages?sessionId=${s.sessionId}`, alice, o);
        assert.match(r.received, /^HTTP\/1\.1 413 /, `got ${JSON.stringify(r.received.slice(0, 40))}, socket error ${r.error ?? 'none'}`);
      }
    } finally {
      s.stream.close();
    }
  });
});
