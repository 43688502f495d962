import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Decision } from '../../src/decisions/decision.js';
import { MemoryBaselineStore } from '../../src/baseline/store-memory.js';
import { RedisBaselineStore } from '../../src/baseline/store-redis.js';
import { baselineKeys } from '../../src/baseline/redis/keys.js';
import type { BaselineStore } from '../../src/baseline/store.js';
import { createDecider } from '../../src/scoring/decider.js';
import { replayEvents } from '../../src/pipeline/replay.js';
import { simulate } from '../../src/simulator/generate.js';
import { createEmptyPolicy, createInventoryResolver } from '../helpers/decision-context.js';

const url = process.env.WARDEN_REDIS_URL ?? 'redis://127.0.0.1:6379';
const config = parseConfig('{}', 'test');
const sim = simulate({ seed: 7, days: 7, fleet: 8 });
const prefix = `test-${randomUUID()}`;
let redis: Redis;

function decider(store: BaselineStore) {
  const records = sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind }));
  return createDecider({ config, resolver: createInventoryResolver(records, config), policy: createEmptyPolicy(), store });
}

async function run(store: BaselineStore, batchSize: number): Promise<Decision[]> {
  const out: Decision[] = [];
  await replayEvents(sim.events, decider(store), (ds) => void out.push(...ds), { batchSize });
  return out;
}

beforeAll(() => {
  redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('Redis baseline store', () => {
  it('reuses the profiles it wrote while nobody else changed them, and rereads after a reset or another writer', async () => {
    const keyPrefix = `${prefix}:kept`;
    const store = new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 });
    const d = decider(store);
    const id = sim.events[0]!.identity.id;
    const mine = sim.events.filter((e) => e.identity.id === id).slice(0, 60);
    const at = (from: number, list: typeof mine) => ({ partition: 'audit-0', offsets: list.map((_, i) => String(from + i)) });
    await d.decideBatch(mine.slice(0, 20), at(0, mine.slice(0, 20)));
    expect(store.stats()).toEqual({ reused: 0, read: 0 });
    await d.decideBatch(mine.slice(20, 30), at(20, mine.slice(20, 30)));
    // The identity's profile and its peer group's (class) profile, both written by this store.
    expect(store.stats()).toEqual({ reused: 2, read: 0 });
    const mineNow = await new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 }).get(id);
    // Another writer (an import, another instance): the next load reads its profile.
    const other = new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 });
    await other.put({ ...mineNow!, events: 12345 });
    const loaded = await store.load([id], 'audit-0');
    expect(loaded.get(id)?.profile?.events).toBe(12345);
    expect(loaded.get(id)?.watermark).toBe('29');
    expect(store.stats()).toEqual({ reused: 2, read: 1 });
    // A reset by someone else: the identity starts over instead of resurrecting the kept copy.
    await d.decideBatch(mine.slice(30, 40), at(30, mine.slice(30, 40)));
    await other.reset(id);
    const afterReset = await store.load([id], 'audit-0');
    expect(afterReset.get(id)).toEqual({ profile: null, watermark: null });
  });

  it('gives byte-identical decisions to the memory store on the same stream', async () => {
    const memory = await run(new MemoryBaselineStore(), 250);
    const store = new RedisBaselineStore(redis, { keyPrefix: `${prefix}:same`, ttlMs: 86_400_000 });
    const fromRedis = await run(store, 700);
    expect(fromRedis.length).toBe(sim.events.length);
    expect(JSON.stringify(fromRedis)).toBe(JSON.stringify(memory));
    expect(fromRedis.some((d) => d.verdict !== 'allow')).toBe(true);
  });

  it('never counts a redelivered batch twice (offset watermark) and expires idle identities', async () => {
    const store = new RedisBaselineStore(redis, { keyPrefix: `${prefix}:wm`, ttlMs: 3_600_000 });
    const d = decider(store);
    const events = sim.events.slice(0, 400);
    const position = { partition: 'audit.events-0', offsets: events.map((_, i) => String(1000 + i)) };
    const first = await d.decideBatch(events, position);
    const id = events[0]!.identity.id;
    const before = await store.get(id);
    const again = await d.decideBatch(events, position);
    const after = await store.get(id);
    expect(after?.events).toBe(before?.events);
    expect(again.map((x) => x.decisionId)).toEqual(first.map((x) => x.decisionId));
    const keys = baselineKeys(`${prefix}:wm`, id);
    expect(await redis.hget(keys.watermarks, 'audit.events-0')).not.toBeNull();
    const ttl = await redis.pttl(keys.profile);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    expect(await store.reset(id)).toBe(true);
    expect(await store.get(id)).toBeNull();
  });

  it('reports an unreachable Redis as a retriable store error', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => undefined);
    const store = new RedisBaselineStore(dead, { keyPrefix: prefix, ttlMs: 1000 });
    await expect(store.load(['x'], null)).rejects.toMatchObject({ code: 'WARDEN_STORE_UNAVAILABLE', retriable: true });
    dead.disconnect();
  });
});
