/**
 * The store's share of the batch path, against a real Redis: records → BatchProcessor (normalize,
 * decide against the Redis baseline store) → profile updates applied, in one process, CPU µs per
 * event for the store's load, the decide stage without it, and the apply (learn). Publishing is
 * left out: what `warden run` spends in the store, without the broker's noise.
 *
 *   npm run services:up && npx tsx bench/learn.ts [--events 60000] [--batch 1000] [--redis redis://127.0.0.1:6379]
 *
 * Uses its own key prefix and deletes its keys at the end.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/load.js';
import { RedisBaselineStore } from '../src/baseline/store-redis.js';
import type { BaselineStore } from '../src/baseline/store.js';
import { createNormalizer } from '../src/events/index.js';
import { BatchProcessor } from '../src/pipeline/batch-processor.js';
import { BlockTracker } from '../src/pipeline/block-tracker.js';
import { createDecider } from '../src/scoring/decider.js';
import { fmt } from './lib/stats.js';
import { batchOf, cpuMicros, simulatorBatchFixture } from './lib/batch-fixture.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '60000' },
    batch: { type: 'string', default: '1000' },
    redis: { type: 'string', default: process.env.WARDEN_REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const N = Number(args.events);
const BATCH = Number(args.batch);

const config = parseConfig('decisions: { allow: compact }', 'bench');
const { values, resolver, policy } = simulatorBatchFixture(config, N);

const cpu = cpuMicros;

const keyPrefix = `bench-learn-${process.pid}-${Date.now().toString(36)}`;
const redis = new Redis(String(args.redis), { lazyConnect: true });
await redis.connect();
const redisStore = new RedisBaselineStore(redis, { keyPrefix, ttlMs: 3_600_000 });
// The decider's loads, timed: nothing else runs in this process while one is awaited.
let loadMicros = 0;
const store: BaselineStore = {
  async load(identities, partition) {
    const t0 = cpu();
    try {
      return await redisStore.load(identities, partition);
    } finally {
      loadMicros += cpu() - t0;
    }
  },
  apply: (updates, partition) => redisStore.apply(updates, partition),
  get: (identity) => redisStore.get(identity),
  reset: (identity) => redisStore.reset(identity),
  put: (profile) => redisStore.put(profile),
  close: () => redisStore.close(),
};
const decider = createDecider({ config, resolver, policy, store, clock: () => new Date() });
const processor = new BatchProcessor({ normalizers: new Map([['audit', createNormalizer({ format: 'warden', events: config.events })]]), decider, blocks: new BlockTracker(config.blocks) });

const totals = { normalize: 0, load: 0, decide: 0, learn: 0 };
let updates = 0;
async function run(from: number, to: number, count: boolean): Promise<void> {
  for (let i = from; i < to; i += BATCH) {
    const batch = batchOf(values, i, Math.min(to, i + BATCH));
    const t0 = cpu();
    const normalized = processor.normalize(batch);
    const t1 = cpu();
    loadMicros = 0;
    const processed = await processor.decide(normalized);
    const t2 = cpu();
    await redisStore.apply(processed.updates, processed.partition);
    const t3 = cpu();
    if (processed.deadLetters.length > 0) throw new Error(`dead letters in the benchmark: ${processed.deadLetters[0]!.message}`);
    if (!count) continue;
    totals.normalize += t1 - t0;
    totals.load += loadMicros;
    totals.decide += t2 - t1 - loadMicros;
    totals.learn += t3 - t2;
    updates += processed.updates.length;
  }
}

try {
  // Warm-up on the first fifth (JIT, first profiles written), then measure the rest.
  const warm = Math.floor(N / 5);
  await run(0, warm, false);
  const before = redisStore.stats();
  await run(warm, N, true);
  const after = redisStore.stats();
  const n = N - warm;
  const writes = after.writes - before.writes;
  const stages = Object.entries(totals).map(([stage, micros]) => `${stage} ${fmt(micros / n, 1)}`);
  console.log(`batch path against Redis (${String(args.redis)}), ${fmt(n)} events measured, batches of ${fmt(BATCH)}, node ${process.version}`);
  console.log(`CPU µs per event: ${stages.join(', ')} (decide without the load)`);
  console.log(
    `store: ${fmt(updates / Math.ceil(n / BATCH), 0)} profile updates per batch; ${fmt(after.reused - before.reused)} reused, ${fmt(after.read - before.read)} read; ` +
      `${fmt(writes)} writes (${fmt(after.wholeWrites - before.wholeWrites)} whole), ${fmt((after.sectionsWritten - before.sectionsWritten) / Math.max(1, writes), 1)} sections and ${fmt((after.bytesSent - before.bytesSent) / Math.max(1, writes), 0)} bytes per write`,
  );
} finally {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redisStore.close();
}
