/**
 * Runs `warden run` as a real child process against the real broker and Redis, the way an
 * operator would, with a per-test config (unique topics, group, key prefix).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { generateKeyPair } from '../../../src/decisions/signing.js';
import { kafkaBrokers, redisUrl, uniqueName } from './services.js';

export interface WardenTestSetup {
  dir: string;
  configFile: string;
  topics: { input: string; decisions: string; blocks: string; dlq: string };
  groupId: string;
  keyPrefix: string;
  publicKeyPem: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Writes a config, keys and an inventory into a temp dir; `overrides` are merged into the config. */
export function wardenSetup(overrides: Record<string, unknown> = {}, files: Record<string, string> = {}): WardenTestSetup {
  const dir = mkdtempSync(join(tmpdir(), 'warden-it-'));
  const id = uniqueName('it');
  const topics = { input: `${id}.audit`, decisions: `${id}.decisions`, blocks: `${id}.blocks`, dlq: `${id}.dlq` };
  const keys = generateKeyPair();
  writeFileSync(join(dir, 'warden.key'), keys.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'warden.pub'), keys.publicKeyPem);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const config = {
    kafka: {
      brokers: kafkaBrokers(),
      clientId: id,
      groupId: `${id}-group`,
      inputs: [{ topic: topics.input, format: 'auto' }],
      topics: { decisions: topics.decisions, blocks: topics.blocks, dlq: topics.dlq },
    },
    redis: { url: redisUrl(), keyPrefix: `${id}` },
    pipeline: { maxBatchSize: 200, http: { host: '127.0.0.1', port: 0 } },
    signing: { privateKeyFile: join(dir, 'warden.key'), publicKeyFile: join(dir, 'warden.pub') },
    logging: { level: 'info' },
  };
  for (const [section, value] of Object.entries(overrides)) {
    const current = (config as Record<string, unknown>)[section];
    (config as Record<string, unknown>)[section] = current && typeof current === 'object' && value && typeof value === 'object' ? { ...current, ...value } : value;
  }
  const configFile = join(dir, 'warden.yaml');
  writeFileSync(configFile, stringify(config));
  return { dir, configFile, topics, groupId: config.kafka.groupId, keyPrefix: id, publicKeyPem: keys.publicKeyPem };
}

export interface RunningWarden {
  child: ChildProcess;
  logs: string[];
  exited: Promise<number | null>;
  /** Resolves when the log shows the consumer joined its group. */
  joined: Promise<void>;
}

/** The URL of the instance's HTTP endpoints (/metrics, /readyz), once its log has said it. */
export function httpUrl(w: RunningWarden): string | undefined {
  return /"url":"(http[^"]+)"/.exec(w.logs.find((l) => l.includes('warden listening')) ?? '')?.[1];
}

export function startWarden(setup: WardenTestSetup, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): RunningWarden {
  const child = spawn(process.execPath, ['bin/warden.js', 'run', '--config', setup.configFile, ...extraArgs], {
    env: { ...process.env, WARDEN_KAFKA_BROKERS: '', WARDEN_REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let onJoin: () => void = () => undefined;
  const joined = new Promise<void>((resolve) => {
    onJoin = resolve;
  });
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (!line) continue;
      logs.push(line);
      if (line.includes('joined consumer group')) onJoin();
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, logs, exited, joined };
}

/**
 * The exit code of a `warden run` expected to stop by itself, or `'running'` if it had not within
 * `ms` (it is then stopped with SIGTERM, so a failing test leaves no process behind).
 */
export async function exitWithin(w: RunningWarden, ms: number): Promise<number | null | 'running'> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([w.exited, new Promise<'running'>((r) => (timer = setTimeout(() => r('running'), ms)))]);
  clearTimeout(timer);
  if (code === 'running') {
    w.child.kill('SIGTERM');
    await w.exited;
  }
  return code;
}
