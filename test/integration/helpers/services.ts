/** Connection helpers for integration tests: real services, unique names per test, cleanup. */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { Redis } from 'ioredis';

export function kafkaBrokers(): string[] {
  return (process.env.WARDEN_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
}

export function redisUrl(): string {
  return process.env.WARDEN_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A name no other test (or earlier run) uses: `prefix-<random>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function testKafka(clientId = uniqueName('test')): Kafka {
  return new Kafka({ clientId, brokers: kafkaBrokers(), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 3000 } });
}

export function testRedis(): Redis {
  return new Redis(redisUrl(), { lazyConnect: false, maxRetriesPerRequest: 3 });
}

/** Creates topics and returns a function that deletes them again. */
export async function createTopics(admin: Admin, topics: string[], numPartitions = 1): Promise<() => Promise<void>> {
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions, replicationFactor: 1 })), waitForLeaders: true });
  return async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
  };
}

/** Deletes every key under a prefix (SCAN, never KEYS). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Polls `check` until it returns true or the timeout passes (services, not test speed, set the pace). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 60_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Resolves true when a TCP connection to host:port opens within `timeoutMs`. */
export function tcpAnswers(host: string, port: number, timeoutMs = 3000): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      done(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Whether `scripts/services.mjs restart-kafka` can restart the broker: only one it started from
 * this folder (its pid file names a live process). The restart tests are skipped otherwise rather
 * than passing without a restart.
 */
export function brokerRestartable(): boolean {
  if (process.env.WARDEN_KAFKA_BROKERS) return false;
  try {
    process.kill(Number(readFileSync('.warden/kafka/broker.pid', 'utf8').trim()), 0);
    return true;
  } catch {
    return false;
  }
}
