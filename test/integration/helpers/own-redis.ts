/**
 * A private redis-server on a free port, started and stopped by the test itself, for tests that
 * restart Redis (the shared one on 6379 is never touched).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
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

export async function startOwnRedis(): Promise<OwnRedis> {
  const server = redisServerPath();
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'warden-redis-'));
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    // Persistence on so that a restart keeps the baselines, as a production Redis would.
    child = spawn(server, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir], { stdio: 'ignore' });
    await eventually(() => answers(url), 15_000, `redis-server on ${port}`);
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
