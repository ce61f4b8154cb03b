/**
 * Starts a private InfluxDB 1.x server (Debian's `influxdb` package) on free loopback ports with its
 * data in a temp dir. Used by the test global setup and by the benchmark. If `influxd` is missing
 * and we are root with apt-get, it is installed; otherwise this fails with the instruction to
 * install it — the integration tests never skip silently.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type InfluxServer = {
  url: string;
  port: number;
  /** Process id of influxd (the benchmark reads its CPU time). */
  pid: number | undefined;
  /** Data directory (kept by `crash()`, removed by `stop()`). */
  dir: string;
  /** SIGTERM, wait, remove the data directory. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, keeping the data directory: restart with `startInfluxd({ dir, httpPort: port })`. */
  crash(): Promise<void>;
};

export type InfluxdOptions = { runIntervalSeconds?: number; dir?: string; httpPort?: number };

function findInfluxd(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v influxd'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function ensureInfluxd(): string {
  const found = findInfluxd();
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (!isRoot || !hasApt) {
    throw new Error('influxd (InfluxDB 1.x) is needed by the integration tests and is not installed. Install it: `sudo apt-get install -y influxdb` (Debian/Ubuntu), or put any InfluxDB 1.x `influxd` on PATH.');
  }
  console.error('[kanki tests] influxd not found: installing Debian package "influxdb" with apt-get…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'influxdb'], { stdio: 'inherit', env });
  const after = findInfluxd();
  if (update.status !== 0 || install.status !== 0 || !after) {
    throw new Error('installing InfluxDB with `apt-get install -y influxdb` failed; install it by hand and rerun.');
  }
  return after;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startInfluxd(options: InfluxdOptions = {}): Promise<InfluxServer> {
  const bin = ensureInfluxd();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'kanki-influxd-'));
  const [httpPort, rpcPort] = [options.httpPort ?? (await freePort()), await freePort()];
  const config = `
reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  index-version = "inmem"
  query-log-enabled = false
  trace-logging-enabled = false
[coordinator]
  log-queries-after = "0s"
[retention]
  enabled = true
  check-interval = "30m"
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  max-body-size = 0
[[graphite]]
  enabled = false
[[collectd]]
  enabled = false
[[opentsdb]]
  enabled = false
[[udp]]
  enabled = false
[continuous_queries]
  enabled = true
  log-enabled = false
  run-interval = "${options.runIntervalSeconds ?? 1}s"
`;
  writeFileSync(join(dir, 'influxdb.conf'), config);
  const child: ChildProcess = spawn(bin, ['run', '-config', join(dir, 'influxdb.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`influxd exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${url}/ping`);
      if (res.status === 204) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`influxd did not answer /ping within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  let stopped = false;
  const kill = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return {
    url,
    port: httpPort,
    pid: child.pid,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    async crash() {
      stopped = true;
      await kill('SIGKILL');
    },
  };
}
