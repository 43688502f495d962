/**
 * `warden run` with `pipeline.threads: 2` (src/pipeline/threads/): one process, two pipeline
 * threads, each a member of the consumer group. Against the real broker and Redis: the partitions
 * are shared between the threads, every event is decided once and learned once, the host's
 * `/metrics` adds up both threads' counters, `/readyz` answers for both, and SIGTERM stops the
 * process cleanly.
 */
import type { Admin, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { RedisBaselineStore } from '../../src/baseline/store-redis.js';
import { createRedisClient } from '../../src/pipeline/redis-connection.js';
import { createTopics, eventually, testKafka } from './helpers/services.js';
import { httpUrl, startWarden } from './helpers/warden-process.js';
import type { RunningWarden, WardenTestSetup } from './helpers/warden-process.js';
import { DecisionWatch, nativeEvent, setupWithInventory, stopWarden } from './helpers/group-members.js';

const PARTITIONS = 4;
const identities = Array.from({ length: 8 }, (_, i) => `svc-thread-${i}`);
let setup: WardenTestSetup;
let admin: Admin;
let producer: Producer;
let dropTopics: () => Promise<void>;
let warden: RunningWarden | undefined;
const watch = new DecisionWatch();

beforeAll(async () => {
  setup = setupWithInventory(identities, { pipeline: { maxBatchSize: 100, threads: 2, http: { host: '127.0.0.1', port: 0 } } });
  const kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
  dropTopics = await createTopics(admin, [setup.topics.input, setup.topics.decisions, setup.topics.blocks, setup.topics.dlq], PARTITIONS);
  producer = kafka.producer();
  await producer.connect();
  await watch.follow(setup);
});

afterAll(async () => {
  if (warden) await stopWarden(warden);
  await watch.stop();
  await producer?.disconnect();
  await dropTopics?.();
  await admin?.disconnect();
});

/** The thread number and assignment of each "joined consumer group" line, latest per thread. */
function assignments(w: RunningWarden, topic: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const line of w.logs) {
    if (!line.includes('joined consumer group')) continue;
    const entry = JSON.parse(line) as { thread?: number; assignment?: Record<string, number[]> };
    if (entry.thread !== undefined) out.set(entry.thread, [...(entry.assignment?.[topic] ?? [])].sort((a, b) => a - b));
  }
  return out;
}

function metric(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

describe('pipeline.threads: 2', () => {
  it('shares the partitions between two threads, decides and learns every event once, and reports for both', async () => {
    const w = startWarden(setup);
    warden = w;
    // Both threads hold partitions once the group has settled.
    await eventually(() => {
      const a = assignments(w, setup.topics.input);
      return a.size === 2 && [...a.values()].every((p) => p.length > 0) && [...a.values()].flat().length === PARTITIONS;
    }, 60_000, 'both threads to hold partitions');
    const a = assignments(w, setup.topics.input);
    expect([...a.values()].flat().sort()).toEqual([0, 1, 2, 3]);

    const count = 800;
    const perIdentity = new Map<string, number>();
    const ids: string[] = [];
    for (let i = 0; i < count; i += 200) {
      const messages = Array.from({ length: 200 }, (_, k) => {
        const n = i + k;
        const identity = identities[n % identities.length]!;
        perIdentity.set(identity, (perIdentity.get(identity) ?? 0) + 1);
        const id = `thr-${n}`;
        ids.push(id);
        return { key: identity, partition: (n % identities.length) % PARTITIONS, value: nativeEvent(id, identity, n) };
      });
      await producer.send({ topic: setup.topics.input, acks: -1, messages });
    }
    await eventually(() => watch.decided(ids), 90_000, 'every event decided');
    for (const id of ids) expect(watch.decisionIds.get(id)?.size, id).toBe(1);

    const url = httpUrl(w);
    expect(url).toBeDefined();
    // The host's /metrics adds up the threads: every event counted once, whichever thread decided it.
    await eventually(async () => metric(await (await fetch(`${url}/metrics`)).text(), 'warden_decisions_total') >= count, 30_000, 'metrics to count every decision');
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(metric(text, 'warden_decisions_total')).toBe(count);
    expect(metric(text, 'warden_events_in_total')).toBe(count);
    // Process-wide figures come from the host alone (not once per thread).
    expect(text).toMatch(/^warden_process_cpu_seconds_total \d/m);
    // Info gauges are shown once, not summed over the threads.
    expect(text).toMatch(/^warden_policy_info\{version="[^"]+"\} 1$/m);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { kafka: true, store: true } });

    // Each identity learned each of its events once, whichever thread held its partition.
    const config = parseConfig(`redis: { keyPrefix: ${setup.keyPrefix} }`, 'test');
    const redis = createRedisClient(config, false);
    const store = new RedisBaselineStore(redis, { keyPrefix: setup.keyPrefix, ttlMs: 86_400_000 });
    try {
      await eventually(async () => {
        for (const [identity, n] of perIdentity) if ((await store.get(identity))?.events !== n) return false;
        return true;
      }, 30_000, 'every event learned once');
    } finally {
      await store.close();
    }

    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    warden = undefined;
    expect(w.logs.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });
});
