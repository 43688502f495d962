/**
 * The foundation: a real Kafka broker and a real Redis answer, and a consumer survives a broker
 * restart without losing messages.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { brokerRestartable, createTopics, deleteKeys, eventually, testKafka, testRedis, uniqueName } from './helpers/services.js';

const run = promisify(execFile);

describe('Kafka', () => {
  const kafka = testKafka();
  let admin: Admin;
  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  it('delivers keyed messages in order per partition on a uniquely named topic', async () => {
    const topic = uniqueName('it-roundtrip');
    const drop = await createTopics(admin, [topic], 3);
    const producer = kafka.producer({ idempotent: true });
    const consumer = kafka.consumer({ groupId: uniqueName('it-group') });
    try {
      await producer.connect();
      const sent = Array.from({ length: 300 }, (_, i) => ({ key: `identity-${i % 7}`, value: JSON.stringify({ i }) }));
      await producer.sendBatch({ topicMessages: [{ topic, messages: sent }] });

      const received = new Map<string, number[]>();
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const key = message.key?.toString() ?? '';
          const list = received.get(key) ?? [];
          list.push((JSON.parse(message.value?.toString() ?? '{}') as { i: number }).i);
          received.set(key, list);
        },
      });
      await eventually(() => [...received.values()].reduce((n, l) => n + l.length, 0) === 300, 60_000, '300 messages');
      for (const [key, list] of received) {
        const expected = sent.map((m, i) => (m.key === key ? i : -1)).filter((i) => i >= 0);
        expect(list).toEqual(expected);
      }
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await drop();
    }
  });
});

describe('Redis', () => {
  it('round-trips values and hashes under a unique key prefix and cleans up', async () => {
    const redis = testRedis();
    const prefix = uniqueName('it-redis');
    try {
      await redis.set(`${prefix}:plain`, 'v1');
      await redis.hset(`${prefix}:{svc-a}:actions`, { 's3:PutObject': '3', 's3:GetObject': '5' });
      const count = await redis.eval("return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)", 1, `${prefix}:{svc-a}:actions`, 's3:PutObject');
      expect(await redis.get(`${prefix}:plain`)).toBe('v1');
      expect(count).toBe(4);
      expect(await redis.hgetall(`${prefix}:{svc-a}:actions`)).toEqual({ 's3:PutObject': '4', 's3:GetObject': '5' });
    } finally {
      await deleteKeys(redis, prefix);
      expect(await redis.keys(`${prefix}*`)).toEqual([]);
      redis.disconnect();
    }
  });
});

describe.skipIf(!brokerRestartable())('Kafka broker restart', () => {
  it('a consumer reconnects by itself and receives everything produced before and after the restart', async () => {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const topic = uniqueName('it-restart');
    await createTopics(admin, [topic], 2);
    await admin.disconnect();

    const seen = new Set<number>();
    let consumer: Consumer | undefined;
    let producer: Producer | undefined;
    try {
      consumer = kafka.consumer({ groupId: uniqueName('it-restart-group'), retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 3000 } });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.add(Number(message.value?.toString()));
        },
      });
      producer = kafka.producer({ idempotent: true, retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 3000 } });
      await producer.connect();
      await producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: String(i) })) });
      await eventually(() => seen.size === 50, 60_000, 'the first 50 messages');

      await run('node', ['scripts/services.mjs', 'restart-kafka'], { timeout: 120_000 });

      await producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: String(50 + i) })) });
      await eventually(() => seen.size === 100, 90_000, 'the 50 messages produced after the restart');
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    } finally {
      await consumer?.disconnect();
      await producer?.disconnect();
      const cleanup = kafka.admin();
      await cleanup.connect();
      await cleanup.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await cleanup.disconnect();
    }
  });
});
