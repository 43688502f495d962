/**
 * A private redis-server on a free port, started and stopped by the test itself, for tests that
 * restart Redis (the shared one on 6379 is never touched).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort } from './warden-process.js';
import { eventually } from './services.js';
import { Redis } from 'ioredis';

export interface OwnRedis {
  url: string;
  port: number;
  stop: () => Promise<void>;
  start: () => Promise<void>;
}

function redisServerPath(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error('redis-server is not installed: this test starts and restarts a private Redis (apt-get install redis-server)');
  return found.stdout.trim();
}

export interface OwnRedisOptions {
  /** requirepass: clients must AUTH. */
  password?: string;
  /** TLS only (no plain port), with this server certificate; clients are not asked for one. */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

async function answers(url: string, options: OwnRedisOptions): Promise<boolean> {
  const tls = options.tls ? { ca: readFileSync(options.tls.caFile, 'utf8') } : undefined;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, ...(options.password ? { password: options.password } : {}), ...(tls ? { tls } : {}) });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function startOwnRedis(options: OwnRedisOptions = {}): Promise<OwnRedis> {
  const server = redisServerPath();
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'warden-redis-'));
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    // Persistence on so that a restart keeps the baselines, as a production Redis would.
    const listen = options.tls
      ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.certFile, '--tls-key-file', options.tls.keyFile, '--tls-ca-cert-file', options.tls.caFile, '--tls-auth-clients', 'no']
      : ['--port', String(port)];
    const auth = options.password ? ['--requirepass', options.password] : [];
    child = spawn(server, [...listen, ...auth, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir], { stdio: 'ignore' });
    await eventually(() => answers(url, options), 15_000, `redis-server on ${port}`);
  };
  const stop = async (): Promise<void> => {
    const current = child;
    if (!current || current.exitCode !== null) return;
    const exited = new Promise((r) => current.once('exit', r));
    current.kill('SIGTERM');
    await exited;
  };
  await start();
  return { url, port, start, stop };
}
