import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Decision } from '../../src/decisions/decision.js';
import { MemoryBaselineStore } from '../../src/baseline/store-memory.js';
import { RedisBaselineStore } from '../../src/baseline/store-redis.js';
import { baselineKeys } from '../../src/baseline/redis/keys.js';
import { emptyProfile } from '../../src/baseline/profile.js';
import type { IdentityProfile } from '../../src/baseline/profile.js';
import { SECTION } from '../../src/baseline/profile-codec.js';
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
    expect(store.stats()).toMatchObject({ reused: 0, read: 0 });
    await d.decideBatch(mine.slice(20, 30), at(20, mine.slice(20, 30)));
    // The identity's profile and its peer group's (class) profile, both written by this store.
    expect(store.stats()).toMatchObject({ reused: 2, read: 0 });
    const mineNow = await new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 }).get(id);
    // Another writer (an import, another instance): the next load reads its profile.
    const other = new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 });
    await other.put({ ...mineNow!, events: 12345 });
    const loaded = await store.load([id], 'audit-0');
    expect(loaded.get(id)?.profile?.events).toBe(12345);
    expect(loaded.get(id)?.watermark).toBe('29');
    expect(store.stats()).toMatchObject({ reused: 2, read: 1 });
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
    expect(await redis.hget(keys.profile, '@audit.events-0')).toBe(String(1000 + events.length - 1 - [...events].reverse().findIndex((e) => e.identity.id === id)));
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

  it('writes only the sections a batch changed, and the event count as a counter', async () => {
    const keyPrefix = `${prefix}:incr`;
    const store = new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 });
    const d = decider(store);
    const id = sim.events[0]!.identity.id;
    const mine = sim.events.filter((e) => e.identity.id === id).slice(0, 40);
    await d.decideBatch(mine.slice(0, 30), { partition: 'p-0', offsets: mine.slice(0, 30).map((_, i) => String(i)) });
    const first = store.stats();
    // A new identity (and its peer group): the whole profile, every non-empty section.
    expect(first.wholeWrites).toBe(first.writes);
    const key = baselineKeys(keyPrefix, id).profile;
    const fields = (await redis.hkeys(key)).filter((f) => !f.startsWith('#') && !f.startsWith('@'));
    expect(fields.length).toBeGreaterThan(8);
    expect(await redis.hget(key, '#e')).toBe('30');

    // One more sighting of a known country: only that map's section changes.
    const fresh = new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 });
    const loaded = (await fresh.load([id], 'p-0')).get(id)!;
    const p = loaded.profile!;
    const country = Object.keys(p.maps.country.entries)[0]!;
    const ipBefore = await redis.hgetBuffer(key, SECTION.map('ip'));
    p.maps.country.entries[country]!.n += 1;
    p.events += 2;
    await fresh.apply([{ identity: id, profile: p, offset: '100' }], 'p-0');
    expect(fresh.stats()).toMatchObject({ read: 1, writes: 1, wholeWrites: 0, sectionsWritten: 1 });
    expect(await redis.hget(key, '#e')).toBe('32');
    expect(await redis.hget(key, '@p-0')).toBe('100');
    expect((await redis.hgetBuffer(key, SECTION.map('ip')))!.equals(ipBefore!)).toBe(true);
    expect((await new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 }).get(id))).toEqual(p);

    // The next batch of the decider goes on incrementally from the copy it kept.
    const before = store.stats();
    await d.decideBatch(mine.slice(30, 40), { partition: 'p-0', offsets: mine.slice(30, 40).map((_, i) => String(200 + i)) });
    const after = store.stats();
    // Its kept copy is stale (the write above): read again, then written incrementally.
    expect(after.read - before.read).toBeGreaterThanOrEqual(1);
    expect(after.wholeWrites - before.wholeWrites).toBe(0);
    expect(after.sectionsWritten - before.sectionsWritten).toBeLessThan((after.writes - before.writes) * fields.length);
    expect(await redis.hget(key, '#e')).toBe('42');
  });

  it('a write that did not happen is sent again in full: what learning marked is still there', async () => {
    const keyPrefix = `${prefix}:retry`;
    const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    await client.connect();
    const store = new RedisBaselineStore(client, { keyPrefix, ttlMs: 86_400_000 });
    const d = decider(store);
    const id = sim.events[0]!.identity.id;
    const mine = sim.events.filter((e) => e.identity.id === id).slice(0, 60);
    const at = (from: number, n: number) => ({ partition: 'p-0', offsets: Array.from({ length: n }, (_, i) => String(from + i)) });
    await d.decideBatch(mine.slice(0, 20), at(0, 20));
    // The next batch is decided and learned from, but its write does not reach Redis.
    const batch = await d.decide(mine.slice(20, 40), at(20, 20));
    client.disconnect();
    await expect(store.apply(batch.updates, 'p-0')).rejects.toMatchObject({ code: 'WARDEN_STORE_UNAVAILABLE' });
    if (client.status !== 'end') await new Promise((resolve) => client.once('end', resolve));
    await client.connect();
    const before = store.stats();
    await store.apply(batch.updates, 'p-0');
    const after = store.stats();
    expect(after.writes - before.writes).toBe(batch.updates.length);
    expect(after.wholeWrites - before.wholeWrites).toBe(0);
    const mineNow = batch.updates.find((u) => u.identity === id)!.profile;
    expect(await new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 }).get(id)).toEqual(mineNow);
    // And the next batch goes on incrementally from the copy it kept.
    await d.decideBatch(mine.slice(40, 60), at(40, 20));
    expect(store.stats().reused - after.reused).toBeGreaterThanOrEqual(1);
    const ref = new MemoryBaselineStore();
    const rd = decider(ref);
    await rd.decideBatch(mine.slice(0, 20), at(0, 20));
    await rd.decideBatch(mine.slice(20, 40), at(20, 20));
    await rd.decideBatch(mine.slice(40, 60), at(40, 20));
    expect(await new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 }).get(id)).toEqual(await ref.get(id));
    await store.close();
  });

  it('writes the whole profile when someone else wrote since it was loaded (the last writer wins)', async () => {
    const keyPrefix = `${prefix}:conflict`;
    const a = new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 });
    const b = new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 });
    const start = emptyProfile('svc-conflict', 16);
    start.events = 5;
    start.suppressed = { NEW_ASN: 9 };
    await a.put(start);
    const mine = (await a.load(['svc-conflict'], 'p')).get('svc-conflict')!.profile!;
    await b.put({ ...start, events: 50, failures: [1, 2, 3] });
    mine.events = 6;
    mine.suppressed = {};
    await a.apply([{ identity: 'svc-conflict', profile: mine, offset: '7' }], 'p');
    expect(a.stats()).toMatchObject({ writes: 2, wholeWrites: 2 });
    const stored = await new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 }).get('svc-conflict');
    // b's failures are gone with the rest of b's profile, and the emptied section is deleted.
    expect(stored).toEqual(mine);
    expect(await redis.hexists(baselineKeys(keyPrefix, 'svc-conflict').profile, SECTION.other)).toBe(0);
  });

  it('keeps what the batches of two partitions in flight at once both taught their peer group (no last writer wins)', async () => {
    // Two identities of one class, each on its own partition, their batches decided side by side
    // as `warden run` does with two batches in flight: both load the group's profile, both write it.
    const records = [
      { id: 'svc-left', owner: 'team-a', class: 'ci-deployer' },
      { id: 'svc-right', owner: 'team-a', class: 'ci-deployer' },
    ];
    const source = sim.events.filter((e) => e.identity.id === sim.events[0]!.identity.id).slice(0, 120);
    const as = (id: string) => source.map((e, i) => ({ ...e, id: `${id}-${i}`, identity: { ...e.identity, id } }));
    const left = as('svc-left');
    const right = as('svc-right');
    const at = (partition: string, from: number, n: number) => ({ partition, offsets: Array.from({ length: n }, (_, i) => String(from + i)) });
    const deciderOn = (store: BaselineStore) => createDecider({ config, resolver: createInventoryResolver(records, config), policy: createEmptyPolicy(), store });
    const run = async (store: BaselineStore, together: boolean): Promise<void> => {
      const d = deciderOn(store);
      for (let from = 0; from < source.length; from += 20) {
        const l = () => d.decideBatch(left.slice(from, from + 20), at('audit-0', from, 20));
        const r = () => d.decideBatch(right.slice(from, from + 20), at('audit-1', from, 20));
        if (together) await Promise.all([l(), r()]);
        else {
          await l();
          await r();
        }
      }
    };
    const group = '~peers/class/ci-deployer';
    const oneAfterTheOther = new MemoryBaselineStore();
    await run(oneAfterTheOther, false);
    const expected = (await oneAfterTheOther.get(group))!;
    expect(expected.events).toBeGreaterThan(100);

    const store = new RedisBaselineStore(redis, { keyPrefix: `${prefix}:shared`, ttlMs: 86_400_000 });
    await run(store, true);
    expect(store.stats().merged).toBeGreaterThan(0);
    const stored = (await new RedisBaselineStore(redis, { keyPrefix: `${prefix}:shared`, ttlMs: 86_400_000 }).get(group))!;
    expect(stored.events).toBe(expected.events);
    expect(stored.maps.action.obs).toBe(expected.maps.action.obs);
    expect([...(stored.members ?? [])].sort()).toEqual(['svc-left', 'svc-right']);
  });

  it('reads a profile of the old layout (one JSON string) and rewrites it as a hash, keeping watermarks, version and TTL', async () => {
    const keyPrefix = `${prefix}:migrate`;
    const id = 'svc-{legacy}';
    const k = baselineKeys(keyPrefix, id);
    const old: IdentityProfile = { ...emptyProfile(id, 16), events: 77, firstSeen: 1_700_000_000_000, lastSeen: 1_700_000_360_000, failures: [1_700_000_100_000] };
    old.maps.action.entries['s3:GetObject'] = { legit: 70, n: 77, first: 1_700_000_000_000, last: 1_700_000_360_000, days: 1, lastDay: 19675 };
    old.maps.action.size = 1;
    await redis.set(k.legacyProfile, JSON.stringify(old), 'PX', 3_000_000);
    await redis.hset(k.legacyWatermarks, 'audit-0', '41', 'audit-1', '9', '__v', '3');
    await redis.pexpire(k.legacyWatermarks, 3_000_000);

    const store = new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 });
    const loaded = (await store.load([id], 'audit-0')).get(id)!;
    expect(loaded.watermark).toBe('41');
    expect(loaded.profile).toEqual(old);
    expect(store.stats().migrated).toBe(1);
    expect(await redis.exists(k.legacyProfile, k.legacyWatermarks)).toBe(0);
    expect(await redis.hmget(k.profile, '#v', '#e', '@audit-0', '@audit-1')).toEqual(['4', '77', '41', '9']);
    const ttl = await redis.pttl(k.profile);
    expect(ttl).toBeGreaterThan(2_000_000);
    expect(ttl).toBeLessThanOrEqual(3_000_000);
    expect(await new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 }).get(id)).toEqual(old);

    // The migrated profile is the base of an incremental write; a redelivered offset is skipped.
    const p = loaded.profile!;
    p.events += 1;
    p.failures.push(1_700_000_200_000);
    await store.apply([{ identity: id, profile: p, offset: '41' }], 'audit-0');
    expect(store.stats().writes).toBe(0);
    await store.apply([{ identity: id, profile: p, offset: '42' }], 'audit-0');
    expect(store.stats()).toMatchObject({ writes: 1, wholeWrites: 0, sectionsWritten: 1 });
    expect(await new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 }).get(id)).toEqual(p);
    expect(await store.reset(id)).toBe(true);
    expect(await redis.exists(k.profile)).toBe(0);
  });

  it('compares offsets beyond 2^53 exactly and reports an unreadable profile with what to do', async () => {
    const keyPrefix = `${prefix}:edge`;
    const store = new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000 });
    const p = emptyProfile('svc-big', 16);
    // A profile handed to apply belongs to the store (it may keep it): each write gets a copy here.
    await store.apply([{ identity: 'svc-big', profile: structuredClone(p), offset: '9007199254740993' }], 'p');
    p.events = 1;
    await store.apply([{ identity: 'svc-big', profile: structuredClone(p), offset: '9007199254740992' }], 'p');
    expect((await store.get('svc-big'))!.events).toBe(0);
    await store.apply([{ identity: 'svc-big', profile: structuredClone(p), offset: '9007199254740994' }], 'p');
    expect((await store.get('svc-big'))!.events).toBe(1);
    await redis.hset(baselineKeys(keyPrefix, 'svc-big').profile, SECTION.hours, Buffer.from([7, 1]));
    await expect(new RedisBaselineStore(redis, { keyPrefix, ttlMs: 1000 }).get('svc-big')).rejects.toMatchObject({ code: 'WARDEN_STORE_SCRIPT', message: expect.stringContaining('svc-big') });
  });

  it('with redis.replicaAcks, a write no replica acknowledges is not stored yet: a retriable error that says why', async () => {
    const keyPrefix = `${prefix}:acks`;
    // This Redis has no replicas: WAIT 1 gets 0 acknowledgements.
    const store = new RedisBaselineStore(redis, { keyPrefix, ttlMs: 86_400_000, replicaAcks: 1, replicaAckTimeoutMs: 50 });
    const p = emptyProfile('svc-acks', 16);
    await expect(store.apply([{ identity: 'svc-acks', profile: p, offset: '1' }], 'p')).rejects.toMatchObject({
      code: 'WARDEN_STORE_UNAVAILABLE',
      retriable: true,
      message: expect.stringContaining('0 of 1 replicas acknowledged'),
    });
    // Sent again (the pipeline decides the batch again), the write is skipped by its watermark and WAIT asks again.
    await expect(store.apply([{ identity: 'svc-acks', profile: p, offset: '1' }], 'p')).rejects.toMatchObject({ code: 'WARDEN_STORE_UNAVAILABLE' });
    expect(store.stats().writes).toBe(0);
    expect(await redis.hget(baselineKeys(keyPrefix, 'svc-acks').profile, '@p')).toBe('1');
  });
});
