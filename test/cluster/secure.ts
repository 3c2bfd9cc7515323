/**
 * The locked-down pieces of `npm run test:cluster`: a private CA and a certificate for 127.0.0.1
 * made with openssl at test start, a redis-server that speaks only TLS and only to an ACL user
 * with a password, and a TLS front (nginx) for a replica, as a replica's `https://` REPLICA_URL.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { run, runNginx, type Proc } from '../../bench/support/processes.js';

export interface Tls {
  dir: string;
  /** The CA's certificate (PEM file): NODE_EXTRA_CA_CERTS for the replicas. */
  caFile: string;
  ca: string;
  /** A certificate for 127.0.0.1 and localhost, signed by the CA, and its key. */
  certFile: string;
  keyFile: string;
}

/** A fresh CA and server certificate (P-256, one day) under a temp directory. */
export function makeCertificates(name = 'lwm-test'): Tls {
  const dir = mkdtempSync(join(tmpdir(), 'lwm-tls-'));
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', `/CN=${name} CA`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '1', '-extfile', f('server.ext'));
  return { dir, caFile: f('ca.crt'), ca: readFileSync(f('ca.crt'), 'utf8'), certFile: f('server.crt'), keyFile: f('server.key') };
}

/** The ACL user the replicas use (only `lwm:*` keys, no dangerous commands), and an admin for the tests' probes. */
export const REDIS_USER = { name: 'whoami', password: 'replica-pw-9c1f4e' };
const REDIS_ADMIN = { name: 'probe', password: 'probe-pw-51d0aa' };

/**
 * A real redis-server on 127.0.0.1:`port` that speaks only TLS (no plain port) and refuses the
 * default user: the replicas log in as {@link REDIS_USER}. No persistence (a restart starts empty).
 */
export function startSecureRedis(port: number, dir: string, tls: Tls): Promise<Proc> {
  return run(
    'redis-server',
    [
      '--port', '0',
      '--tls-port', String(port),
      '--tls-cert-file', tls.certFile,
      '--tls-key-file', tls.keyFile,
      '--tls-ca-cert-file', tls.caFile,
      '--tls-auth-clients', 'no',
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
      // Each ACL rule is its own argument (`--user <name> <rule>...`).
      '--user', 'default', 'off',
      '--user', REDIS_USER.name, 'on', `>${REDIS_USER.password}`, '~lwm:*', '&*', '+@all', '-@dangerous',
      '--user', REDIS_ADMIN.name, 'on', `>${REDIS_ADMIN.password}`, '~*', '&*', '+@all',
    ],
    { ready: /Ready to accept connections/ },
  );
}

/** REDIS_URL for the replicas: TLS, the ACL user and its password. */
export const secureRedisUrl = (port: number) => `rediss://${REDIS_USER.name}:${REDIS_USER.password}@127.0.0.1:${port}`;

/** A connected client for a test's own look into (and writes to) Redis, as the admin user. */
export async function redisProbe(port: number, tls: Tls): Promise<ReturnType<typeof createClient>> {
  const client = createClient({ url: `rediss://${REDIS_ADMIN.name}:${REDIS_ADMIN.password}@127.0.0.1:${port}`, socket: { tls: true, ca: tls.ca } });
  await client.connect();
  return client;
}

/**
 * nginx terminating TLS on 127.0.0.1:`listen` (the certificate of `tls`) in front of a replica's
 * plain port — what an `https://` REPLICA_URL points at. It speaks nothing but TLS: plain HTTP
 * sent to it gets 400.
 */
export async function startTlsFront(listen: number, target: number, tls: Tls): Promise<Proc & { prefix: string }> {
  const prefix = mkdtempSync(join(tmpdir(), 'lwm-tlsfront-'));
  mkdirSync(join(prefix, 'tmp'));
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `worker_processes 1;
daemon off;
user root;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  server {
    listen 127.0.0.1:${listen} ssl;
    ssl_certificate ${tls.certFile};
    ssl_certificate_key ${tls.keyFile};
    ssl_protocols TLSv1.3;
    location / {
      proxy_pass http://127.0.0.1:${target};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 1h;
    }
  }
}
`,
  );
  // Up once /healthz answers through it over TLS, the certificate checked against the CA.
  return runNginx(
    prefix,
    'TLS front',
    () =>
      new Promise<boolean>((resolve) => {
        const req = request({ host: '127.0.0.1', port: listen, path: '/healthz', ca: tls.ca, timeout: 1000 }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('error', () => resolve(false));
        req.on('timeout', () => req.destroy());
        req.end();
      }),
  );
}
