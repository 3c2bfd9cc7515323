import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Proc {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** Sends `signal` and waits (bounded: SIGKILL after 10 s). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns `cmd` and waits (at most `timeoutMs`) until its output matches `ready`. */
export async function run(cmd: string, args: string[], options: { env?: Record<string, string>; ready: RegExp; timeoutMs?: number; cwd?: string }): Promise<Proc> {
  const child = spawn(cmd, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} did not start in time:\n${out.slice(-2000)}`));
    }, options.timeoutMs ?? 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (options.ready.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited during start:\n${out.slice(-2000)}`));
    });
  });
  return {
    child,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** A real redis-server on 127.0.0.1:`port`, no persistence (a restart starts empty). */
export function startRedis(port: number, dir: string): Promise<Proc> {
  return run('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    ready: /Ready to accept connections/,
  });
}

/**
 * The nginx configuration the tests (and docs/scaling.md) use: plain round robin over the
 * replicas, no stickiness; Host passed as the client sent it (the replicas check it); answers not
 * buffered, so SSE events pass at once; request bodies (small JSON-RPC messages) buffered, so a
 * request refused by a dead replica is re-sent whole to the next one (unbuffered, the retry went
 * out without its body: 400). No upstream `keepalive`: nginx never re-sends a POST once written, so a request
 * written to a cached connection of a replica that just died would get 502; a fresh connection is
 * refused before anything is sent, and nginx moves on.
 */
export function nginxConfig(options: { listen: number; replicas: number[]; prefix: string }): string {
  return `worker_processes 1;
daemon off;
user root;
pid ${options.prefix}/nginx.pid;
error_log ${options.prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${options.prefix}/tmp/body;
  proxy_temp_path ${options.prefix}/tmp/proxy;
  fastcgi_temp_path ${options.prefix}/tmp/fastcgi;
  uwsgi_temp_path ${options.prefix}/tmp/uwsgi;
  scgi_temp_path ${options.prefix}/tmp/scgi;
  upstream whoami {
${options.replicas.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${options.listen};
    location / {
      proxy_pass http://whoami;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 1h;
      proxy_connect_timeout 2s;
      proxy_next_upstream error timeout;
    }
  }
}
`;
}

/** Real nginx in the foreground, config, pid and logs under a temp prefix. */
export async function startNginx(listen: number, replicas: number[]): Promise<Proc & { prefix: string }> {
  const prefix = mkdtempSync(join(tmpdir(), 'lwm-nginx-'));
  mkdirSync(join(prefix, 'tmp'));
  writeFileSync(join(prefix, 'nginx.conf'), nginxConfig({ listen, replicas, prefix }));
  // nginx prints no "ready" line: wait until /healthz answers through it (bounded).
  return runNginx(prefix, 'nginx', () =>
    fetch(`http://127.0.0.1:${listen}/healthz`).then(
      (r) => r.ok,
      () => false,
    ),
  );
}

/**
 * Runs nginx in the foreground on `prefix`/nginx.conf (written by the caller, temp directories under
 * `prefix`/tmp) until `up()` says it answers (10 s at most, or nginx exits: the error carries its
 * output, named `what`). `stop()` quits it gracefully (SIGKILL after 5 s) and removes `prefix`.
 */
export async function runNginx(prefix: string, what: string, up: () => Promise<boolean>): Promise<Proc & { prefix: string }> {
  const proc = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await up()) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${what} did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child: proc,
    prefix,
    output: () => out,
    exited,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGQUIT');
        const force = setTimeout(() => proc.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(force);
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/**
 * The Prometheus configuration the tests (and docs/observability.md) use: one job scraping every
 * replica's metrics listener (METRICS_PORT, on loopback) every second. Nothing else: no rules, no
 * alerting, no remote write. Prometheus itself sends nothing anywhere but to its scrape targets.
 */
export function prometheusConfig(options: { metricsTargets: string[]; interval?: string }): string {
  return `global:
  scrape_interval: ${options.interval ?? '1s'}
  scrape_timeout: ${options.interval ?? '1s'}
scrape_configs:
  - job_name: logto-whoami
    metrics_path: /metrics
    static_configs:
      - targets: [${options.metricsTargets.map((t) => `'${t}'`).join(', ')}]
`;
}

/** A real Prometheus (Debian's package) on 127.0.0.1:`port`, its TSDB and config under `dir`; ready when its web API is. */
export function startPrometheus(port: number, dir: string, config: string): Promise<Proc> {
  writeFileSync(join(dir, 'prometheus.yml'), config);
  return run(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=info',
    ],
    { ready: /Server is ready to receive web requests|ready to receive/i, timeoutMs: 60_000 },
  );
}
