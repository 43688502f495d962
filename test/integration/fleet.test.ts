/**
 * Many instances on the Redis Cluster (issue 17): `warden run` processes, each with its own HTTP
 * port in a copy of one config, share a consumer group on the single dev broker and keep their
 * baselines in the 3-master + 3-replica Redis Cluster named by WARDEN_REDIS_CLUSTER_NODES
 * (`node scripts/services.mjs up --redis-cluster`, started here when it is not up).
 *
 * 1. Three instances on 12 partitions: mid-stream one instance is killed -9 and one Redis master is
 *    shut down (its replica is promoted). Every event is still decided once (a redelivery repeats
 *    its decision id) and every identity's profile equals the one a clean `warden replay` of the
 *    same events through the memory store learns.
 * 2. The Bar: two instances; every event decided, every kind of bad record (null, empty,
 *    whitespace, a BOM, not UTF-8, not JSON, JSON of no known shape, oversized) dead-lettered with
 *    its reason so that decisions + dead letters = records sent; one instance killed -9 and the
 *    other decides the next events; baseline keys on every master.
 *
 * The stopped master comes back afterwards (`restoreCluster`), so later tests find the cluster whole.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { IdentityProfile } from '../../src/baseline/profile.js';
import { RedisBaselineStore } from '../../src/baseline/store-redis.js';
import { createRedisClient } from '../../src/pipeline/redis-connection.js';
import type { RedisClient } from '../../src/pipeline/redis-connection.js';
import { createTopics, eventually, testKafka, uniqueName } from './helpers/services.js';
import { freePort, startWarden } from './helpers/warden-process.js';
import type { RunningWarden, WardenTestSetup } from './helpers/warden-process.js';
import { DecisionWatch, assignedPartitions, nativeEvent, setupWithInventory, stopWarden } from './helpers/group-members.js';
import {
  CLUSTER_NODES,
  clusterNodes,
  clusterWhole,
  configCopy,
  deleteClusterKeys,
  keysPerMaster,
  liveMasters,
  restoreCluster,
  servicesRedisCluster,
  stopMaster,
  awaitPromotion,
} from './helpers/fleet.js';

const run = promisify(execFile);
const env = { WARDEN_REDIS_CLUSTER_NODES: CLUSTER_NODES };

interface SentEvent {
  id: string;
  identity: string;
  partition: number;
  value: string;
}

/**
 * `count` events over `identities`, identity i always on partition i mod `partitions`, times
 * increasing. With an identity count prime to 4 and 3, each identity sees every action and bucket.
 */
function stream(tag: string, identities: readonly string[], partitions: number, from: number, count: number): SentEvent[] {
  return Array.from({ length: count }, (_, k) => {
    const n = from + k;
    const i = n % identities.length;
    const identity = identities[i] ?? '';
    const id = `${tag}-${n}`;
    return { id, identity, partition: i % partitions, value: nativeEvent(id, identity, n) };
  });
}

async function send(producer: Producer, topic: string, events: readonly SentEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 150) {
    await producer.send({ topic, acks: -1, messages: events.slice(i, i + 150).map((e) => ({ partition: e.partition, key: e.identity, value: e.value })) });
  }
}

/** Starts `count` instances of one setup, each from its own config copy with its own HTTP port. */
async function startFleet(setup: WardenTestSetup, count: number): Promise<{ instances: RunningWarden[]; ports: number[] }> {
  const ports: number[] = [];
  const instances: RunningWarden[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    ports.push(port);
    instances.push(startWarden(configCopy(setup, `i${i}`, port), [], env));
  }
  return { instances, ports };
}

/** Every instance holds partitions and together they hold all of them, once. */
async function awaitSpread(instances: readonly RunningWarden[], topic: string, partitions: number): Promise<void> {
  await eventually(
    () => {
      const held = instances.map((w) => assignedPartitions(w, topic));
      if (held.some((p) => p === null || p.length === 0)) return false;
      const all = held.flatMap((p) => p ?? []);
      return all.length === partitions && new Set(all).size === partitions;
    },
    120_000,
    `${instances.length} instances sharing the ${partitions} partitions`,
  );
}

/** Each instance answers /healthz on the port its own config copy gave it. */
async function answersOn(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  } catch {
    return false;
  }
}

const alive = (w: RunningWarden): boolean => w.child.exitCode === null && w.child.signalCode === null;

describe('many warden run instances on the Redis Cluster', () => {
  const kafka = testKafka();
  let admin: Admin;
  let cluster: RedisClient;
  let restored = 'not needed';

  beforeAll(async () => {
    // Started when nothing runs; a node another test stopped is brought back first.
    const up = servicesRedisCluster('up');
    if (!up.ok && !(await clusterNodes().then(() => true, () => false))) throw new Error(`the Redis Cluster is not up and could not be started: ${up.output}`);
    await restoreCluster();
    await eventually(clusterWhole, 60_000, 'three masters with a replica each');
    // The test's own reader: batch-tool options (queued while the cluster fails over).
    cluster = createRedisClient(parseConfig('{}', 'test', env), false);
    cluster.on('error', () => undefined);
    admin = kafka.admin();
    await admin.connect();
  }, 120_000);

  afterAll(async () => {
    await admin?.disconnect();
    cluster?.disconnect();
    restored = await restoreCluster();
    process.stdout.write(`fleet: Redis Cluster after the tests: ${restored}\n`);
  }, 180_000);

  // With learning held per partition (the default) and written with every batch: a write the
  // master applied and no replica acknowledged takes a path of its own in each.
  it.for([250, 0])('3 instances, 12 partitions: kill -9 of one instance and of one Redis master mid-stream → every event decided once, baselines equal to a clean replay (storeIntervalMs %i)', { timeout: 420_000 }, async (storeIntervalMs, { annotate }) => {
    // The master the run before this one shut down comes back as a replica.
    await restoreCluster();
    const PARTITIONS = 12;
    const identities = Array.from({ length: 35 }, (_, i) => `svc-fleet-${i}`);
    const TOTAL = 1800;
    const setup = setupWithInventory(identities, {
      redis: { url: 'redis://127.0.0.1:1', replicaAcks: 1, replicaAckTimeoutMs: 2000 },
      pipeline: { maxBatchSize: 100, storeIntervalMs, http: { host: '127.0.0.1', port: 0 } },
    });
    const drop = await createTopics(admin, Object.values(setup.topics), PARTITIONS);
    const events = stream(uniqueName('f'), identities, PARTITIONS, 0, TOTAL);
    const watch = new DecisionWatch();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const { instances, ports } = await startFleet(setup, 3);
    try {
      await Promise.all([watch.follow(setup), producer.connect(), ...instances.map((w) => w.joined)]);
      await awaitSpread(instances, setup.topics.input, PARTITIONS);
      for (const port of ports) expect(await answersOn(port)).toBe(true);

      const half = TOTAL / 2;
      await send(producer, setup.topics.input, events.slice(0, half));
      await eventually(() => watch.decidedAt.size >= TOTAL / 4, 120_000, 'the stream being decided by the three instances');

      // Mid-stream: an instance holding partitions dies, and so does the master of one third of the keys.
      const victim = instances[0]!;
      const orphaned = assignedPartitions(victim, setup.topics.input) ?? [];
      const undecided = new Set(events.filter((e) => orphaned.includes(e.partition)).map((e) => e.id));
      const masters = await liveMasters();
      const master = masters[0]!;
      victim.child.kill('SIGKILL');
      await victim.exited;
      const killedAt = Date.now();
      const decidedAtKill = watch.decidedAt.size;
      for (const id of [...undecided]) if (watch.decidedAt.has(id)) undecided.delete(id);
      await stopMaster(master);
      const promoted = awaitPromotion(master).then(() => Date.now() - killedAt);
      await send(producer, setup.topics.input, events.slice(half));
      const failoverMs = await promoted;

      await eventually(() => watch.decidedAt.size + watch.deadLetters.length >= TOTAL, 180_000, 'every event decided').catch((err: Error) => {
        throw new Error(`${err.message}: ${watch.decidedAt.size} of ${TOTAL} decided; last lines of the survivors:\n${instances.slice(1).flatMap((w) => w.logs.slice(-10)).join('\n')}`);
      });
      const pickupMs = Math.min(...[...undecided].map((id) => watch.decidedAt.get(id) ?? Infinity)) - killedAt;
      const lastMs = Math.max(...[...undecided].map((id) => watch.decidedAt.get(id) ?? Infinity)) - killedAt;
      await annotate(
        `killed instance (partitions ${orphaned.join(',')}) and master ${master.address} after ${decidedAtKill} of ${TOTAL} decisions; ` +
          `replica promoted ${(failoverMs / 1000).toFixed(1)} s after the kills; the survivors decided the dead instance's first pending event ` +
          `${(pickupMs / 1000).toFixed(1)} s and its last ${(lastMs / 1000).toFixed(1)} s after the kill; ` +
          `${watch.decisionRecords - TOTAL} decisions published again (same ids); ` +
          `${instances.slice(1).flatMap((w) => w.logs).filter((l) => l.includes('reading the partition again from its last commit')).length} partitions read again after a refused write of held learning`,
      );

      // Every event decided, none dead-lettered, one decision id per event (a redelivery repeats it).
      expect(watch.decided(events.map((e) => e.id))).toBe(true);
      expect(watch.decidedAt.size).toBe(TOTAL);
      expect(watch.deadLetters).toEqual([]);
      expect([...watch.decisionIds.values()].every((ids) => ids.size === 1)).toBe(true);
      expect(undecided.size).toBeGreaterThan(0);
      expect(orphaned.length).toBeGreaterThan(0);
      // Both survivors alive, and no decision made without the baseline during the failover.
      expect(instances.slice(1).every(alive)).toBe(true);
      expect(instances.slice(1).flatMap((w) => w.logs).filter((l) => l.includes('baseline store unavailable: deciding without it'))).toEqual([]);

      // The clean run: the same records through `warden replay` and the memory store.
      const input = join(setup.dir, 'events.ndjson');
      const profilesFile = join(setup.dir, 'clean-profiles.ndjson');
      writeFileSync(input, events.map((e) => e.value).join('\n') + '\n');
      await run(process.execPath, ['bin/warden.js', 'replay', '--config', setup.configFile, '--input', input, '--store', 'memory', '--profiles-out', profilesFile, '--out', join(setup.dir, 'clean-decisions.ndjson'), '--no-progress'], {
        env: { ...process.env, WARDEN_KAFKA_BROKERS: '', WARDEN_REDIS_URL: '', WARDEN_REDIS_CLUSTER_NODES: '' },
        timeout: 120_000,
      });
      const clean = new Map(
        readFileSync(profilesFile, 'utf8').split('\n').filter(Boolean).map((line) => {
          const p = JSON.parse(line) as IdentityProfile;
          return [p.identity, p] as const;
        }),
      );
      for (const id of identities) expect(clean.get(id)?.events, id).toBe(events.filter((e) => e.identity === id).length);

      // The fleet's baselines, read from the cluster, once the last batches' learning is stored.
      const store = new RedisBaselineStore(cluster, { keyPrefix: setup.keyPrefix, ttlMs: 86_400_000 });
      await eventually(async () => {
        for (const id of identities) if (((await store.get(id))?.events ?? 0) < (clean.get(id)?.events ?? 0)) return false;
        return true;
      }, 60_000, 'every event learned');
      for (const [id, expected] of clean) {
        const live = await store.get(id);
        const vocabulary = (p: IdentityProfile | null | undefined): Record<string, string[]> =>
          Object.fromEntries(Object.entries(p?.maps ?? {}).map(([dim, map]) => [dim, Object.keys(map.entries).sort()]));
        // A peer group's profile is learned by every instance holding a member: last write wins
        // (docs/baselines.md), so only its vocabulary, not its counts, is held to the clean run's.
        expect(vocabulary(live), `${id} values`).toEqual(vocabulary(expected));
        if (id.startsWith('~')) continue;
        // An identity's profile is owned by its partition's instance: equal to the clean run's,
        // event counts and per-value sightings included.
        expect(live?.events, id).toBe(expected.events);
        expect(live, id).toEqual(expected);
      }

      // Keys on every master, the promoted replica's included.
      const perMaster = await keysPerMaster(`${setup.keyPrefix}:`);
      expect(perMaster.size).toBe(3);
      expect([...perMaster.values()].every((n) => n > 0)).toBe(true);
    } finally {
      for (const w of instances) await stopWarden(w);
      await Promise.all([watch.stop(), producer.disconnect()]);
      await drop();
      await deleteClusterKeys(`${setup.keyPrefix}:`);
    }
  });

  it('the Bar: two instances decide every event, dead-letter every bad record, survive a kill -9, and keep baselines on every master', async ({ annotate }) => {
    const PARTITIONS = 6;
    const identities = Array.from({ length: 25 }, (_, i) => `svc-bar-${i}`);
    const MAX_BYTES = 4096;
    const setup = setupWithInventory(identities, {
      redis: { url: 'redis://127.0.0.1:1' },
      events: { maxRecordBytes: MAX_BYTES },
      pipeline: { maxBatchSize: 100, http: { host: '127.0.0.1', port: 0 } },
    });
    const config = parseConfig(readFileSync(setup.configFile, 'utf8'), setup.configFile);
    const drop = await createTopics(admin, Object.values(setup.topics), PARTITIONS);
    const tag = uniqueName('b');
    const first = stream(tag, identities, PARTITIONS, 0, 480);
    const oversized = JSON.parse(nativeEvent(`${tag}-big`, identities[0]!, 0)) as Record<string, unknown>;
    const bad: Array<{ value: Buffer | string | null; reason: string }> = [
      { value: null, reason: 'EMPTY_RECORD' },
      { value: '', reason: 'EMPTY_RECORD' },
      { value: ' \t\r\n  ', reason: 'EMPTY_RECORD' },
      { value: '\u00a0\u2003\n', reason: 'EMPTY_RECORD' },
      { value: '\ufeff', reason: 'EMPTY_RECORD' },
      { value: '{"id":"x","identity":', reason: 'MALFORMED_JSON' },
      { value: 'not json at all', reason: 'MALFORMED_JSON' },
      { value: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), reason: 'MALFORMED_JSON' },
      { value: JSON.stringify({ hello: 'world', nested: { a: [1, 2] } }), reason: 'UNKNOWN_FORMAT' },
      { value: JSON.stringify({ ...oversized, pad: 'x'.repeat(MAX_BYTES) }), reason: 'TOO_LARGE' },
    ];
    const watch = new DecisionWatch();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const { instances, ports } = await startFleet(setup, 2);
    const [a, b] = instances as [RunningWarden, RunningWarden];
    try {
      await Promise.all([watch.follow(setup), producer.connect(), a.joined, b.joined]);
      await awaitSpread(instances, setup.topics.input, PARTITIONS);
      for (const port of ports) expect(await answersOn(port)).toBe(true);

      // Good and bad records interleaved on every partition.
      await send(producer, setup.topics.input, first.slice(0, 240));
      await producer.send({ topic: setup.topics.input, acks: -1, messages: bad.map((r, i) => ({ partition: i % PARTITIONS, key: `bad-${i}`, value: r.value })) });
      await send(producer, setup.topics.input, first.slice(240));
      const sent = first.length + bad.length;
      await eventually(() => watch.decidedAt.size + watch.deadLetters.length >= sent, 120_000, 'every record decided or dead-lettered').catch((err: Error) => {
        throw new Error(`${err.message}: ${watch.decidedAt.size} decided, dead letters ${JSON.stringify(watch.deadLetters.map((d) => d.reason))}`);
      });
      expect(watch.decided(first.map((e) => e.id))).toBe(true);
      expect(watch.decidedAt.size + watch.deadLetters.length).toBe(sent);
      expect(watch.deadLetters.map((d) => d.reason).sort()).toEqual(bad.map((r) => r.reason).sort());
      // Each dead letter points at its own record in the input topic.
      const origins = new Set(watch.deadLetters.map((d) => `${d.origin?.topic}/${d.origin?.partition}/${d.origin?.offset}`));
      expect(origins.size).toBe(bad.length);
      expect([...origins].every((o) => o.startsWith(`${setup.topics.input}/`))).toBe(true);

      // One instance dies; the other takes its partitions and decides what comes next.
      const orphaned = assignedPartitions(a, setup.topics.input) ?? [];
      expect(orphaned.length).toBeGreaterThan(0);
      a.child.kill('SIGKILL');
      await a.exited;
      const killedAt = Date.now();
      const next = stream(tag, identities, PARTITIONS, first.length, 240);
      await send(producer, setup.topics.input, next);
      await eventually(() => watch.decided(next.map((e) => e.id)), 120_000, 'the survivor deciding the next events');
      const onOrphaned = next.filter((e) => orphaned.includes(e.partition)).map((e) => watch.decidedAt.get(e.id) ?? Infinity);
      const pickupMs = Math.min(...onOrphaned) - killedAt;
      await annotate(`kill -9 of one of two instances → the survivor decided the dead one's partitions (${orphaned.join(',')}) from ${(pickupMs / 1000).toFixed(1)} s after the kill (session ${config.kafka.sessionTimeoutMs / 1000} s)`);
      expect(alive(b)).toBe(true);
      expect(assignedPartitions(b, setup.topics.input)).toEqual(Array.from({ length: PARTITIONS }, (_, p) => p));
      // Well under the 30 s session of kafkajs' defaults (30.4–30.7 s measured before): the recovery settings hold with the cluster store.
      expect(pickupMs).toBeLessThan(config.kafka.sessionTimeoutMs + 20_000);
      // A record read again after the kill is dead-lettered again (same origin): count records, not letters.
      const deadRecords = new Set(watch.deadLetters.map((d) => `${d.origin?.partition}/${d.origin?.offset}`)).size;
      expect(watch.decidedAt.size + deadRecords).toBe(sent + next.length);
      expect([...watch.decisionIds.values()].every((ids) => ids.size === 1)).toBe(true);

      // Baseline keys on every master of the cluster, and every identity learned exactly once.
      const perMaster = await keysPerMaster(`${setup.keyPrefix}:`);
      await annotate(`baseline keys per master: ${[...perMaster].map(([m, n]) => `${m}=${n}`).join(', ')}`);
      expect(perMaster.size).toBe(3);
      expect([...perMaster.values()].every((n) => n > 0)).toBe(true);
      const store = new RedisBaselineStore(cluster, { keyPrefix: setup.keyPrefix, ttlMs: 86_400_000 });
      const all = [...first, ...next];
      const expected = new Map(identities.map((id) => [id, all.filter((e) => e.identity === id).length]));
      const counts = async (): Promise<Map<string, number>> => new Map(await Promise.all(identities.map(async (id) => [id, (await store.get(id))?.events ?? 0] as const)));
      await eventually(async () => [...(await counts())].every(([id, n]) => n >= (expected.get(id) ?? 0)), 60_000, 'every event learned');
      expect(await counts()).toEqual(expected);
    } finally {
      for (const w of instances) await stopWarden(w);
      await Promise.all([watch.stop(), producer.disconnect()]);
      await drop();
      await deleteClusterKeys(`${setup.keyPrefix}:`);
    }
  }, 300_000);
});
