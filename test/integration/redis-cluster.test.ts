/**
 * The baseline store on a real Redis Cluster (3 masters + 3 replicas, `scripts/services.mjs up
 * --redis-cluster`, started here when it is not up; WARDEN_REDIS_CLUSTER_NODES points at another,
 * which needs three masters with a replica each: its master is then failed over with CLUSTER
 * FAILOVER instead of being stopped).
 */
import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { WardenConfig } from '../../src/config/schema.js';
import type { Decision } from '../../src/decisions/decision.js';
import { decisionEntriesOf } from '../../src/decisions/topic-records.js';
import type { WardenEvent } from '../../src/events/event.js';
import { MemoryBaselineStore } from '../../src/baseline/store-memory.js';
import { RedisBaselineStore } from '../../src/baseline/store-redis.js';
import { baselineKeys } from '../../src/baseline/redis/keys.js';
import type { BaselineStore } from '../../src/baseline/store.js';
import type { IdentityProfile } from '../../src/baseline/profile.js';
import { createDecider } from '../../src/scoring/decider.js';
import { simulate } from '../../src/simulator/generate.js';
import { createRedisClient } from '../../src/pipeline/redis-connection.js';
import { WardenError } from '../../src/errors.js';
import { createEmptyPolicy, createInventoryResolver } from '../helpers/decision-context.js';
import { createTopics, eventually, testKafka, uniqueName } from './helpers/services.js';
import { startWarden, wardenSetup } from './helpers/warden-process.js';
import { stringify } from 'yaml';

const external = process.env.WARDEN_REDIS_CLUSTER_NODES;
const nodes = external ?? '127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003,127.0.0.1:7004,127.0.0.1:7005,127.0.0.1:7006';
const config: WardenConfig = parseConfig('{}', 'test', { WARDEN_REDIS_CLUSTER_NODES: nodes });
const sim = simulate({ seed: 11, days: 3, fleet: 24 });
const prefix = `test-cluster-${randomUUID()}`;
const BATCH = 250;
const execFileAsync = promisify(execFile);
const PARTITION = 'audit.events-0';
let cluster: Cluster;
/** Batches decided again because the store reported itself unavailable. */
let batchRetries = 0;

function services(...args: string[]): void {
  const result = spawnSync(process.execPath, ['scripts/services.mjs', ...args, '--redis-cluster'], { encoding: 'utf8', timeout: 90_000 });
  if (result.status !== 0) throw new Error(`services.mjs ${args.join(' ')} --redis-cluster failed: ${result.stdout}${result.stderr}`);
}

function decider(store: BaselineStore) {
  const records = sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind }));
  return createDecider({ config, resolver: createInventoryResolver(records, config), policy: createEmptyPolicy(), store });
}

function batches(): { events: WardenEvent[]; position: { partition: string; offsets: string[] } }[] {
  const out = [];
  for (let i = 0; i < sim.events.length; i += BATCH) {
    const events = sim.events.slice(i, i + BATCH);
    out.push({ events, position: { partition: PARTITION, offsets: events.map((_, k) => String(i + k)) } });
  }
  return out;
}

/** Every identity the stream teaches (identities, peer groups, creation records) and its profile. */
async function profiles(store: BaselineStore, ids: readonly string[]): Promise<Map<string, IdentityProfile | null>> {
  const out = new Map<string, IdentityProfile | null>();
  for (const id of ids) out.set(id, await store.get(id));
  return out;
}

/** The clean run: the same batches through the memory store. */
async function cleanRun(): Promise<{ decisions: Decision[]; store: MemoryBaselineStore }> {
  const store = new MemoryBaselineStore();
  const d = decider(store);
  const decisions: Decision[] = [];
  for (const b of batches()) decisions.push(...(await d.decideBatch(b.events, b.position)));
  return { decisions, store };
}

/** Like the live pipeline: a batch the store could not take is decided again until it is. */
async function decideUntilStored(d: ReturnType<typeof decider>, b: ReturnType<typeof batches>[number]): Promise<Decision[]> {
  let decided: Decision[] = [];
  let retries = 0;
  await eventually(
    async () => {
      try {
        decided = await d.decideBatch(b.events, b.position);
        return true;
      } catch (err) {
        if (!(err instanceof WardenError && err.code === 'WARDEN_STORE_UNAVAILABLE')) throw err;
        retries++;
        return false;
      }
    },
    60_000,
    'the cluster to take the batch again',
  );
  batchRetries += retries;
  return decided;
}

/** The masters, by `host:port`, and how many of this test's keys each holds. */
async function keysPerMaster(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const node of cluster.nodes('master')) {
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== '0');
    out.set(`${node.options.host}:${node.options.port}`, n);
  }
  return out;
}

/** The master serving a key's slot, by CLUSTER KEYSLOT and CLUSTER SLOTS (not the client's own map). */
async function masterOf(key: string): Promise<Redis> {
  const slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', key));
  const map = (await cluster.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
  const range = map.find(([from, to]) => slot >= from && slot <= to);
  if (!range) throw new Error(`no master serves slot ${slot}`);
  const [host, port] = range[2];
  const node = cluster.nodes('master').find((n) => n.options.host === host && n.options.port === port);
  if (!node) throw new Error(`${host}:${port} serves slot ${slot} but the client does not know it as a master yet`);
  return node;
}

beforeAll(async () => {
  services('up');
  // As a live instance connects: no offline queue, so a failover is seen (and retried) by the store.
  cluster = createRedisClient(config, true) as Cluster;
  cluster.on('error', () => undefined);
  await eventually(async () => (await cluster.call('CLUSTER', 'INFO').catch(() => '')) !== '' && cluster.nodes('master').length === 3, 30_000, 'three masters');
});

afterAll(async () => {
  for (const node of cluster.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000).catch(() => ['0', [] as string[]] as const);
      cursor = next;
      for (const key of keys) await node.del(key).catch(() => undefined);
    } while (cursor !== '0');
  }
  cluster.disconnect();
  // A master stopped by a test comes back (as a replica of the one that replaced it).
  if (!external) services('up');
});

describe('Redis Cluster baseline store', () => {
  it('spreads identities over all three masters, decides like the memory store, and learns a redelivered batch once', async () => {
    const keyPrefix = `${prefix}:spread`;
    // Each node's writes acknowledged by its replica before a batch counts as stored.
    const store = new RedisBaselineStore(cluster, { keyPrefix, ttlMs: 86_400_000, replicaAcks: 1, replicaAckTimeoutMs: 2000 });
    const d = decider(store);
    const clean = await cleanRun();
    const decided: Decision[] = [];
    for (const b of batches()) decided.push(...(await d.decideBatch(b.events, b.position)));
    expect(JSON.stringify(decided)).toBe(JSON.stringify(clean.decisions));

    // Keys on every master, each identity's key on the master serving its slot.
    const perMaster = await keysPerMaster();
    expect([...perMaster.values()].every((n) => n > 0)).toBe(true);
    const ids = clean.store.identities();
    expect([...perMaster.values()].reduce((a, b) => a + b, 0)).toBe(ids.length);
    for (const id of ids.slice(0, 6)) {
      const key = baselineKeys(keyPrefix, id).profile;
      expect(await (await masterOf(key)).exists(key)).toBe(1);
    }

    // Profiles equal to the clean run's; a redelivered batch teaches nothing twice.
    const before = await profiles(new RedisBaselineStore(cluster, { keyPrefix, ttlMs: 86_400_000 }), ids);
    for (const id of ids) expect(before.get(id)).toEqual(await clean.store.get(id));
    const last = batches().at(-1)!;
    const again = await d.decideBatch(last.events, last.position);
    expect(again.map((x) => x.decisionId)).toEqual(decided.slice(-again.length).map((x) => x.decisionId));
    const after = await profiles(new RedisBaselineStore(cluster, { keyPrefix, ttlMs: 86_400_000 }), ids);
    expect(after).toEqual(before);
    expect(store.stats().writes).toBeGreaterThan(0);
  });

  it('loses and doubles no learning when a master is stopped mid-stream and its replica takes over', async () => {
    const keyPrefix = `${prefix}:failover`;
    const clean = await cleanRun();
    const ids = clean.store.identities();
    const inner = new RedisBaselineStore(cluster, { keyPrefix, ttlMs: 86_400_000 });
    let stopBeforeWrite: (() => Promise<void>) | null = null;
    const store: BaselineStore = {
      load: (ids, partition) => inner.load(ids, partition),
      apply: async (updates, partition) => {
        const stop = stopBeforeWrite;
        stopBeforeWrite = null;
        if (stop) await stop();
        return inner.apply(updates, partition);
      },
      get: (id) => inner.get(id),
      reset: (id) => inner.reset(id),
      put: (p) => inner.put(p),
      close: () => inner.close(),
    };
    const d = decider(store);
    const all = batches();
    const half = Math.floor(all.length / 2);
    for (const b of all.slice(0, half)) await decideUntilStored(d, b);

    // The master holding the busiest identity goes down while the next batch is being stored.
    const busiest = [...new Set(sim.events.map((e) => e.identity.id))][0]!;
    const victim = await masterOf(baselineKeys(keyPrefix, busiest).profile);
    const victimAddress = `${victim.options.host}:${victim.options.port}`;
    const stopVictim = async (): Promise<void> => {
      if (external) {
        // Someone else's cluster: promote the replica instead of stopping a node we did not start.
        for (const n of cluster.nodes('slave')) {
          const role = (await n.call('ROLE')) as [string, string, number];
          if (role[1] === victim.options.host && Number(role[2]) === victim.options.port) await n.call('CLUSTER', 'FAILOVER');
        }
        return;
      }
      await execFileAsync('redis-cli', ['-h', victim.options.host!, '-p', String(victim.options.port), 'shutdown', 'nosave']).catch(() => undefined);
    };
    // Stopped between the batch's load and its write: the write meets the failover.
    stopBeforeWrite = stopVictim;
    const first = await decideUntilStored(d, all[half]!);
    expect(stopBeforeWrite).toBeNull();
    // The write met the failover: the store sent it again, or reported the store unavailable and the batch was decided again.
    expect(inner.stats().resent + batchRetries).toBeGreaterThan(0);
    expect(first.length).toBe(all[half]!.events.length);
    for (const b of all.slice(half + 1)) await decideUntilStored(d, b);

    // The replica now serves the victim's slots.
    await eventually(async () => {
      const key = baselineKeys(keyPrefix, busiest).profile;
      const master = await masterOf(key).catch(() => null);
      return master !== null && `${master.options.host}:${master.options.port}` !== victimAddress;
    }, 30_000, 'a replica promoted in place of the stopped master');

    const stored = await profiles(new RedisBaselineStore(cluster, { keyPrefix, ttlMs: 86_400_000 }), ids);
    for (const id of ids) expect(stored.get(id), id).toEqual(await clean.store.get(id));
  });

  it('`warden run` given WARDEN_REDIS_CLUSTER_NODES decides every event and keeps baselines on every master', async () => {
    const inventory = stringify({ identities: sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind, environment: i.env, tokens: [i.tokenId] })) });
    const setup = wardenSetup({ redis: { url: 'redis://127.0.0.1:1', keyPrefix: `${prefix}-run` } }, { 'identities.yaml': inventory });
    appendFileSync(setup.configFile, `identity:\n  inventory: ${setup.dir}/identities.yaml\n`);
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const dropTopics = await createTopics(admin, Object.values(setup.topics), 4);
    const some = sim.events.slice(0, 800);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: setup.topics.input, messages: some.map((e) => ({ key: e.identity.id, value: JSON.stringify(e) })) });
    await producer.disconnect();
    const decided = new Set<string>();
    const consumer = kafka.consumer({ groupId: uniqueName('it-watch'), maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topics: [setup.topics.decisions], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void (decisionEntriesOf(message.value, message.headers) ?? []).forEach((e) => decided.add(e.record.eventId)) });
    // redis.url points nowhere: only the cluster from the environment can hold the baselines.
    const w = startWarden(setup, [], { WARDEN_REDIS_CLUSTER_NODES: nodes });
    try {
      await eventually(() => some.every((e) => decided.has(e.id)), 120_000, 'a decision for every event');
      const perMaster = new Map<string, number>();
      await eventually(
        async () => {
          perMaster.clear();
          for (const node of cluster.nodes('master')) {
            const [, keys] = await node.scan('0', 'MATCH', `${prefix}-run:baseline:*`, 'COUNT', 100_000);
            perMaster.set(`${node.options.host}:${node.options.port}`, keys.length);
          }
          return perMaster.size === 3 && [...perMaster.values()].every((n) => n > 0);
        },
        30_000,
        'baseline keys on every master',
      );
      expect(w.logs.some((l) => l.includes('redis connection error'))).toBe(false);
    } finally {
      w.child.kill('SIGTERM');
      await w.exited;
      await consumer.disconnect();
      await dropTopics();
      await admin.disconnect();
    }
    expect(await w.exited).toBe(0);
  });
});
