/**
 * `warden run` on a three-broker KRaft cluster (`node scripts/services.mjs up --kafka-cluster`):
 * `warden topics create` gives every topic three replicas with two in sync; then, mid-stream, the
 * broker leading the input partitions is killed -9. Every record sent is still accounted for
 * (decisions + dead letters = records sent, one decision id per event), no event is learned twice
 * (each identity's profile counts exactly its events), and the broker rejoins when restarted.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBaselineStore } from '../../src/baseline/store-redis.js';
import { createProducer } from '../../src/pipeline/safe-producer.js';
import type { ResendReport } from '../../src/pipeline/safe-producer.js';
import { deleteKeys, eventually, redisUrl, tcpAnswers, uniqueName } from './helpers/services.js';
import { startWarden } from './helpers/warden-process.js';
import { DecisionWatch, nativeEvent, setupWithInventory, stopWarden } from './helpers/group-members.js';

const run = promisify(execFile);
const NODES = [1, 2, 3].map((id) => ({ id, port: id * 10_000 + 9092, pidFile: `.warden/kafka-cluster/node-${id}/broker.pid` }));
const BROKERS = NODES.map((n) => `127.0.0.1:${n.port}`);
const identities = Array.from({ length: 6 }, (_, i) => `svc-cluster-${i}`);
const TOTAL = 3000;

// The test's own clients get the pipeline's short retry budget too: kafkajs retries the
// connection to a dead leader that many times before it reads the metadata again.
const clusterKafka = (): Kafka => new Kafka({ clientId: uniqueName('it-cluster'), brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 2000 } });

function ownPid(nodeId: number): number | null {
  try {
    const pid = Number(readFileSync(`.warden/kafka-cluster/node-${nodeId}/broker.pid`, 'utf8').trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

describe('warden run on a three-broker Kafka cluster', () => {
  let startedHere = false;
  let admin: Admin;
  const kafka = clusterKafka();

  beforeAll(async () => {
    const up = await Promise.all(NODES.map((n) => tcpAnswers('127.0.0.1', n.port, 1000)));
    startedHere = !up.every(Boolean);
    await run(process.execPath, ['scripts/services.mjs', 'up', '--kafka-cluster'], { timeout: 600_000 });
    admin = kafka.admin();
    await admin.connect();
    await eventually(async () => (await admin.describeCluster()).brokers.length === 3, 60_000, 'three brokers in the cluster metadata');
  }, 600_000);

  afterAll(async () => {
    await admin?.disconnect();
    // A cluster this test started is stopped again; one that was already up stays up.
    if (startedHere) await run(process.execPath, ['scripts/services.mjs', 'down', '--kafka-cluster'], { timeout: 120_000 });
  }, 180_000);

  it('loses nothing and learns nothing twice when the partition leader\'s broker is killed -9 mid-stream', async ({ annotate }) => {
    const setup = setupWithInventory(identities, { kafka: { brokers: BROKERS } });
    const topics = Object.values(setup.topics);
    const created = await run(process.execPath, ['bin/warden.js', 'topics', 'create', '--config', setup.configFile, '--partitions', '3'], { env: { ...process.env, WARDEN_KAFKA_BROKERS: '' } });
    for (const topic of topics) expect(created.stdout).toMatch(new RegExp(`created\\s+${topic.replace(/\./g, '\\.')}\\s+partitions=\\d+ replicas=3 .*min\\.insync\\.replicas=2`));
    // Every broker learns of new topics from the controller a moment later, and kafkajs does not
    // retry a metadata answer "unknown topic": ask each broker on its own until all know them.
    const perBroker = BROKERS.map((b) => new Kafka({ clientId: uniqueName('it-meta'), brokers: [b], logLevel: logLevel.NOTHING }).admin());
    await Promise.all(perBroker.map((a) => a.connect()));
    const known = async (): Promise<boolean> => (await Promise.all(perBroker.map((a) => a.fetchTopicMetadata({ topics }).then(() => true, () => false)))).every(Boolean);
    await eventually(known, 30_000, 'the new topics known to every broker').finally(() => Promise.all(perBroker.map((a) => a.disconnect())));
    const meta = await admin.fetchTopicMetadata({ topics });
    for (const t of meta.topics) for (const p of t.partitions) expect(p.replicas).toHaveLength(3);

    const redis = new Redis(redisUrl());
    let watch = new DecisionWatch();
    // The project's producer: kafkajs' own can resolve a send that left out the partition whose
    // leader was killed (src/pipeline/safe-producer.ts), which loses the test's events before warden sees them.
    const resends: ResendReport[] = [];
    const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1, metadataMaxAge: 5000 }, { onResend: (r) => resends.push(r) });
    const warden = startWarden(setup);
    let killedNode: number | null = null;
    try {
      await Promise.all([watch.follow(setup, kafka), producer.connect(), warden.joined]);
      const events = Array.from({ length: TOTAL }, (_, i) => ({ id: uniqueName(`e${i}`), identity: identities[i % identities.length] ?? '', n: i }));
      const bad = ['{not json', JSON.stringify({ id: 'no-identity', time: '2026-11-20T09:00:00Z', action: 's3:GetObject' })];
      const sendSlice = async (from: number, to: number): Promise<void> => {
        for (let i = from; i < to; i += 100) {
          const slice = events.slice(i, Math.min(to, i + 100));
          await producer.send({ topic: setup.topics.input, acks: -1, messages: slice.map((e) => ({ key: e.identity, value: nativeEvent(e.id, e.identity, e.n) })) });
        }
      };
      await sendSlice(0, 1000);
      await producer.send({ topic: setup.topics.input, acks: -1, messages: bad.map((value) => ({ key: 'bad', value })) });
      await eventually(() => watch.decidedAt.size >= 300, 90_000, 'the stream being decided');

      // The broker to kill leads an input partition the stream writes to whose next replica (its
      // leader after the kill) already leads another such partition: a send to both then finds the
      // moved partition's new leader among the brokers that answered, the case in which kafkajs
      // leaves the moved partition out (src/pipeline/safe-producer.ts). Without such a broker, the
      // one leading the most input partitions goes down.
      const input = (await admin.fetchTopicMetadata({ topics: [setup.topics.input] })).topics[0]?.partitions ?? [];
      const busy = new Set((await admin.fetchTopicOffsets(setup.topics.input)).filter((o) => Number(o.high) >= 100).map((o) => o.partition));
      const busyLeaders = new Set(input.filter((p) => busy.has(p.partitionId)).map((p) => p.leader));
      const nextLeader = (p: (typeof input)[number]): number => p.replicas.find((r) => r !== p.leader) ?? -1;
      const hazard = input.find((p) => busy.has(p.partitionId) && busyLeaders.has(nextLeader(p)));
      const leads = new Map<number, number>();
      for (const p of input) leads.set(p.leader, (leads.get(p.leader) ?? 0) + 1);
      const leader = hazard?.leader ?? [...leads].sort((x, y) => y[1] - x[1])[0]?.[0] ?? -1;
      const pid = ownPid(leader);
      if (pid === null) throw new Error(`broker ${leader} was not started from this folder (${NODES.find((n) => n.id === leader)?.pidFile}); stop the other cluster or run the test where it was started`);
      process.kill(pid, 'SIGKILL');
      killedNode = leader;
      const killedAt = Date.now();
      const decidedAtKill = watch.decidedAt.size;
      await sendSlice(1000, TOTAL);
      // A batch redelivered after the kill publishes its dead letters again, as it does its decisions
      // (at least once): a record's dead letter is told by where the record came from.
      const lettersByOrigin = (w: DecisionWatch): Map<string, string> => new Map(w.deadLetters.map((d) => [`${d.origin?.topic}:${d.origin?.partition}:${d.origin?.offset}`, d.reason]));
      const accounted = (w: DecisionWatch): boolean => w.decidedAt.size + lettersByOrigin(w).size >= TOTAL + bad.length;
      await eventually(() => accounted(watch), 120_000, 'every record decided or dead-lettered').catch(async (err: Error) => {
        const committed = (await admin.fetchOffsets({ groupId: setup.groupId, topics: [setup.topics.input] }))[0]?.partitions ?? [];
        const ends = await admin.fetchTopicOffsets(setup.topics.input);
        const lag = ends.map((e) => Number(e.high) - Number(committed.find((c) => c.partition === e.partition)?.offset ?? 0));
        const behind = ends.map((e, i) => `${e.partition}: ${lag[i]}`).join(', ');
        // The watcher is a kafkajs consumer too, and the killed broker can leave it stuck where
        // warden's own consumer recovered. When warden has committed everything, what the topics
        // hold is the truth: read them again from the start with a new group.
        if (lag.every((n) => n === 0)) {
          const fresh = new DecisionWatch();
          await fresh.follow(setup, kafka);
          const found = await eventually(() => accounted(fresh), 60_000, 'every record in a fresh read of the topics').then(
            () => true,
            () => false,
          );
          if (found) {
            await watch.stop();
            watch = fresh;
            return;
          }
          await fresh.stop();
        }
        // Tell a watcher that missed records from records that were never published: an event
        // learned (its identity's profile counts it) but not seen was decided and its decision lost.
        const missing = events.filter((e) => !watch.decidedAt.has(e.id));
        const learned = new RedisBaselineStore(redis, { keyPrefix: setup.keyPrefix, ttlMs: 86_400_000 });
        const perIdentity = await Promise.all(
          identities.map(async (id) => `${id}: sent ${events.filter((e) => e.identity === id).length}, seen ${events.filter((e) => e.identity === id && watch.decidedAt.has(e.id)).length}, learned ${(await learned.get(id))?.events ?? 0}`),
        );
        const decisionEnds = (await admin.fetchTopicOffsets(setup.topics.decisions)).map((e) => `${e.partition}: ${e.high}`).join(', ');
        // Tell events the producer lost from events warden skipped: read the input topic itself.
        const inTopic = await inputPositions(kafka, admin, setup.topics.input, new Set(missing.map((e) => e.id))).catch((e: Error) => `input topic not read: ${e.message}`);
        throw new Error(`${err.message}: ${watch.decidedAt.size} decided, ${watch.deadLetters.length} dead letters; ${missing.length} events not seen (first: ${missing.slice(0, 3).map((e) => e.id).join(', ')}); per identity ${perIdentity.join('; ')}; decisions topic ends {${decisionEnds}}; of the events not seen, in the input topic: ${inTopic}; warden's group behind by partition {${behind}}; last lines of warden run other than reconnects to the dead broker:\n${warden.logs.filter((l) => !l.includes('ECONNREFUSED')).slice(-25).join('\n')}`);
      });
      await annotate(`killed broker ${leader} (leader of ${leads.get(leader)} of ${input.length} input partitions${hazard ? `, partition ${hazard.partitionId} moving to the leader of another partition written to` : ''}) after ${decidedAtKill} decisions; all ${TOTAL} decided ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill; the test's sends left out and resent ${JSON.stringify(resends)}; warden resent ${warden.logs.filter((l) => l.includes('sending their messages again')).length} times`);

      // Nothing lost: every event has exactly one decision (a redelivery repeats its id), every bad record a dead letter.
      expect(watch.decided(events.map((e) => e.id))).toBe(true);
      expect(watch.decidedAt.size).toBe(TOTAL);
      expect([...watch.decisionIds.values()].every((ids) => ids.size === 1)).toBe(true);
      expect([...lettersByOrigin(watch).values()].sort()).toEqual(['MALFORMED_JSON', 'UNKNOWN_FORMAT']);

      // Nothing learned twice: each profile counts exactly the events of its identity.
      const store = new RedisBaselineStore(redis, { keyPrefix: setup.keyPrefix, ttlMs: 86_400_000 });
      const expected = new Map(identities.map((id) => [id, events.filter((e) => e.identity === id).length]));
      const counts = async (): Promise<Map<string, number>> => new Map(await Promise.all(identities.map(async (id) => [id, (await store.get(id))?.events ?? 0] as const)));
      await eventually(async () => [...(await counts())].every(([id, n]) => n >= (expected.get(id) ?? 0)), 60_000, 'every event learned');
      expect(await counts()).toEqual(expected);

      // The killed broker restarts and rejoins; the stream goes on through it.
      await run(process.execPath, ['scripts/services.mjs', 'up', '--kafka-cluster'], { timeout: 300_000 });
      killedNode = null;
      await eventually(async () => (await admin.describeCluster()).brokers.some((b) => b.nodeId === leader), 90_000, `broker ${leader} back in the cluster`);
      const late = Array.from({ length: 60 }, (_, i) => ({ id: uniqueName(`late${i}`), identity: identities[i % identities.length] ?? '', n: TOTAL + i }));
      await producer.send({ topic: setup.topics.input, acks: -1, messages: late.map((e) => ({ key: e.identity, value: nativeEvent(e.id, e.identity, e.n) })) });
      await eventually(() => watch.decided(late.map((e) => e.id)), 60_000, 'events after the restart decided');
      await eventually(async () => {
        const isr = (await admin.fetchTopicMetadata({ topics: [setup.topics.input] })).topics[0]?.partitions ?? [];
        return isr.every((p) => p.isr.includes(leader));
      }, 90_000, `broker ${leader} back in sync on every input partition`);
    } finally {
      await stopWarden(warden);
      await Promise.all([watch.stop(), producer.disconnect()]);
      if (killedNode !== null) await run(process.execPath, ['scripts/services.mjs', 'up', '--kafka-cluster'], { timeout: 300_000 }).catch(() => undefined);
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await deleteKeys(redis, setup.keyPrefix);
      redis.disconnect();
    }
  }, 600_000);
});

/** Where the given event ids sit in the input topic, read from the start with a group of its own ("none" when absent). */
async function inputPositions(kafka: Kafka, admin: Admin, topic: string, ids: Set<string>): Promise<string> {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((e) => [e.partition, Number(e.high)]));
  const found: string[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('it-input-read'), metadataMaxAge: 5000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const reached = new Set<number>([...ends].filter(([, high]) => high === 0).map(([p]) => p));
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const id = /"id":"([^"]+)"/.exec(message.value?.toString() ?? '')?.[1];
        if (id !== undefined && ids.has(id)) found.push(`${id}@${partition}:${message.offset}`);
        if (Number(message.offset) + 1 >= (ends.get(partition) ?? 0)) reached.add(partition);
      },
    });
    await eventually(() => reached.size === ends.size, 60_000, 'the input topic read to its end');
  } finally {
    await consumer.disconnect();
  }
  return `${found.length} of ${ids.size}${found.length > 0 ? ` (${found.slice(0, 4).join(', ')})` : ''}; ends {${[...ends].map(([p, h]) => `${p}: ${h}`).join(', ')}}`;
}
