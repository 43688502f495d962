/**
 * Fast recovery: two `warden run` instances share a group; one is killed with SIGKILL (no leave
 * request, so the group learns of it only when its session lapses) and the survivor must decide
 * the dead member's partitions again well before kafkajs' old 30 s default would let it. The
 * bound is the configured session timeout plus slack for a loaded machine, so this checks the
 * recovery configuration, not the machine's speed. And the watchdog: a member that stays in its
 * group but completes no batch while its backlog grows is restarted.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { parseConfig } from '../../src/config/load.js';
import { createTopics, deleteKeys, eventually, redisUrl, testKafka } from './helpers/services.js';
import { httpUrl, startWarden } from './helpers/warden-process.js';
import { DecisionWatch, assignedPartitions, nativeEvent, setupWithInventory, stopWarden } from './helpers/group-members.js';

const PARTITIONS = 4;
const identities = Array.from({ length: PARTITIONS }, (_, p) => `svc-recovery-${p}`);

describe('recovery from a killed instance and from a stuck consumer', () => {
  const kafka = testKafka();
  let admin: Admin;
  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  it('the survivor decides the dead instance\'s partitions within the session timeout, losing nothing', async ({ annotate }) => {
    const setup = setupWithInventory(identities);
    const config = parseConfig(readFileSync(setup.configFile, 'utf8'), setup.configFile);
    const sessionMs = config.kafka.sessionTimeoutMs;
    const drop = await createTopics(admin, Object.values(setup.topics), PARTITIONS);
    const redis = new Redis(redisUrl());
    const watch = new DecisionWatch();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const a = startWarden(setup);
    const b = startWarden(setup);
    const sent: string[] = [];
    let n = 0;
    const produceTo = async (partitions: readonly number[], tag: string): Promise<string[]> => {
      const ids = partitions.map((p) => `${tag}-${p}-${n++}`);
      await producer.send({ topic: setup.topics.input, messages: partitions.map((p, i) => ({ partition: p, key: identities[p] ?? null, value: nativeEvent(ids[i] ?? '', identities[p] ?? '', n) })) });
      sent.push(...ids);
      return ids;
    };
    try {
      await Promise.all([watch.follow(setup), producer.connect(), a.joined, b.joined]);
      // Both members hold partitions: their latest assignments split the topic between them.
      await eventually(() => {
        const [pa, pb] = [assignedPartitions(a, setup.topics.input), assignedPartitions(b, setup.topics.input)];
        return pa !== null && pb !== null && pa.length > 0 && pb.length > 0 && new Set([...pa, ...pb]).size === PARTITIONS && pa.length + pb.length === PARTITIONS;
      }, 60_000, 'both instances holding partitions');
      const all = Array.from({ length: PARTITIONS }, (_, p) => p);
      const warm = await produceTo(all, 'warm');
      await eventually(() => watch.decided(warm), 60_000, 'warm-up events decided by both instances');

      const dead = assignedPartitions(a, setup.topics.input) ?? [];
      a.child.kill('SIGKILL');
      await a.exited;
      const killedAt = Date.now();
      const orphaned = await produceTo(dead, 'orphan');
      await eventually(() => watch.decided(orphaned), 60_000, 'the dead instance\'s partitions decided again');
      const recoveryMs = Math.max(...orphaned.map((id) => watch.decidedAt.get(id) ?? Infinity)) - killedAt;
      await annotate(`kill -9 → the survivor decided the dead member's partitions after ${(recoveryMs / 1000).toFixed(1)} s (session timeout ${sessionMs / 1000} s, heartbeat ${config.kafka.heartbeatIntervalMs / 1000} s)`);
      // The group cannot notice a SIGKILL before the session lapses; anything near kafkajs's old
      // 30 s default (30.4–30.7 s measured) would mean the recovery settings are not in force.
      expect(recoveryMs).toBeLessThan(sessionMs + 8_000);
      expect(recoveryMs).toBeLessThan(20_000);
      expect(assignedPartitions(b, setup.topics.input)).toEqual(all);

      // The survivor goes on with every partition; nothing sent was lost or dead-lettered.
      const after = await produceTo(all, 'after');
      await eventually(() => watch.decided(after), 60_000, 'events after the takeover decided');
      expect(watch.decided(sent)).toBe(true);
      expect(watch.deadLetters).toEqual([]);
      for (const ids of watch.decisionIds.values()) expect(ids.size).toBe(1);
    } finally {
      if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
      await stopWarden(b);
      await Promise.all([watch.stop(), producer.disconnect()]);
      await deleteKeys(redis, setup.keyPrefix);
      redis.disconnect();
      await drop();
    }
  });

  it('the watchdog restarts a consumer that completes no batch while its backlog grows, with a metric and a log line', async () => {
    // No batch can complete while the decisions topic is gone (the producer may not create it), so
    // the member is alive, in its group and stuck: what a kafkajs hang looks like from outside.
    // The stall time is above the producer's retry budget (~12 s), so the restart can finish.
    const setup = setupWithInventory(identities, { pipeline: { maxBatchSize: 200, http: { host: '127.0.0.1', port: 0 }, watchdog: { stallSeconds: 15 } }, kafka: { createTopics: false } });
    const drop = await createTopics(admin, Object.values(setup.topics), 2);
    const redis = new Redis(redisUrl());
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const w = startWarden(setup);
    let n = 0;
    const produce = async (): Promise<void> => {
      n++;
      await producer.send({ topic: setup.topics.input, messages: [{ key: identities[n % PARTITIONS] ?? null, value: nativeEvent(`wd-${n}`, identities[n % PARTITIONS] ?? '', n) }] });
    };
    const lag = async (): Promise<number> => {
      const committed = (await admin.fetchOffsets({ groupId: setup.groupId, topics: [setup.topics.input] }))[0]?.partitions ?? [];
      const ends = await admin.fetchTopicOffsets(setup.topics.input);
      return ends.reduce((sum, e) => sum + Number(e.high) - Math.max(0, Number(committed.find((c) => c.partition === e.partition)?.offset ?? 0)), 0);
    };
    const restarts = async (): Promise<number> => {
      const url = httpUrl(w);
      if (!url) return 0;
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(/warden_consumer_restarts_total\{reason="watchdog"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    try {
      await Promise.all([producer.connect(), w.joined]);
      await produce();
      await eventually(async () => (await lag()) === 0, 60_000, 'the first event decided and committed');
      await admin.deleteTopics({ topics: [setup.topics.decisions] });
      let last = 0;
      await eventually(async () => {
        if (Date.now() - last > 500) {
          last = Date.now();
          await produce();
        }
        return (await restarts()) >= 1;
      }, 90_000, 'a watchdog restart');
      expect(w.logs.some((l) => l.includes('"component":"watchdog"') && /no batch completed for \d+ s while the lag of \d+ partition\(s\) grew: restarting the consumer/.test(l))).toBe(true);
      expect(w.child.exitCode).toBeNull();
      // Once the topic is back, the restarted consumer drains the backlog.
      await admin.createTopics({ topics: [{ topic: setup.topics.decisions, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
      await eventually(async () => (await lag()) === 0, 90_000, 'the backlog decided after the restart');
      expect(w.child.exitCode).toBeNull();
    } finally {
      await stopWarden(w);
      await producer.disconnect();
      await deleteKeys(redis, setup.keyPrefix);
      redis.disconnect();
      await drop();
    }
  });
});
