/**
 * The pipeline runner against the real broker: one signed decision per valid event, every
 * reject in the DLQ with its reason, offsets committed only for what was published. The stages
 * here are simple stand-ins (a JSON normalizer, a decider that allows all but `iam:*`), so that
 * this test is about the runner's Kafka behaviour; the full stack is tested in pipeline.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { parseConfig } from '../../src/config/load.js';
import type { Decision } from '../../src/decisions/decision.js';
import { createVerifier } from '../../src/decisions/signing.js';
import type { WardenEvent } from '../../src/events/event.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startWardenApp } from '../../src/pipeline/app.js';
import type { WardenStages } from '../../src/pipeline/app.js';
import type { RecordNormalizer } from '../../src/pipeline/ports.js';
import { createTopics, eventually, testKafka } from './helpers/services.js';
import { publishSigned } from '../../src/cli/shared/blocks-io.js';
import { operatorLiftRecord } from '../../src/enforcer/operator-records.js';
import { wardenSetup } from './helpers/warden-process.js';
import { readFileSync } from 'node:fs';
import type { IdentityProfile } from '../../src/baseline/profile.js';
import { ALLOW_BATCH_RECORD } from '../../src/decisions/allow-batch.js';
import { decisionEntriesOf, recordHeaderOf } from '../../src/decisions/topic-records.js';
import { MemoryBaselineStore } from '../../src/baseline/store-memory.js';
import type { ProfileUpdate } from '../../src/baseline/store.js';
import { WardenError } from '../../src/errors.js';
import { LearningBuffer } from '../../src/pipeline/learning-buffer.js';

const jsonNormalizer: RecordNormalizer = (record, origin) => {
  try {
    const event = JSON.parse(typeof record === 'string' ? record : Buffer.from(record).toString('utf8')) as WardenEvent;
    if (!event.identity?.id) return { events: [], rejects: [{ reason: 'MISSING_IDENTITY', message: 'no identity', format: 'warden', origin, raw: String(record) }] };
    return { events: [event], rejects: [] };
  } catch {
    return { events: [], rejects: [{ reason: 'MALFORMED_JSON', message: 'not JSON', format: null, origin, raw: Buffer.from(record).toString('utf8') }] };
  }
};

function decideStandIn(events: WardenEvent[]): Decision[] {
  return events.map((e): Decision => {
    const block = e.action.startsWith('iam:');
    return {
      decisionId: `d-${e.id}`,
      eventId: e.id,
      identity: e.identity.id,
      owner: null,
      action: e.action,
      resource: e.resource ?? null,
      eventTime: e.time,
      decidedAt: e.time,
      verdict: block ? 'block' : 'allow',
      score: block ? 90 : 0,
      mode: 'enforce',
      reasons: block ? [{ code: 'POLICY_DENY', detail: 'iam is denied', weight: 90 }] : [],
      policy: { id: null, version: 'test' },
      model: null,
    };
  });
}

/** `onLearn(decidedSoFar, batchesSoFar)` runs where the pipeline stores a batch's profile updates. */
function stages(onLearn?: (decidedSoFar: number, batchesSoFar: number) => Promise<void>): WardenStages {
  let decided = 0;
  let batches = 0;
  return {
    normalizers: new Map(),
    decider: {
      async decide(events) {
        const decisions = decideStandIn([...events]);
        decided += decisions.length;
        batches++;
        // The update carries how many events and batches were decided up to this one, for the store stand-in.
        return { decisions, updates: [{ identity: 'svc-0', profile: {} as IdentityProfile, offset: `${decided}/${batches}` }] };
      },
    },
    store: {
      async apply(updates) {
        for (const u of updates) {
          const [decided = 0, batches = 0] = (u.offset ?? '').split('/').map(Number);
          await onLearn?.(decided, batches);
        }
      },
    },
    storeHealthy: async () => true,
    close: async () => undefined,
  };
}

describe('pipeline runner on the real broker', () => {
  const kafka = testKafka();
  let admin: Admin;
  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  it('publishes one signed decision per valid event, dead-letters the rest, blocks, and learns only after publishing', async () => {
    // One batch at a time, so that "decided so far" is what must be on the topic at each learn.
    const setup = wardenSetup({ pipeline: { maxInFlightBatches: 1 } });
    const config = parseConfig(readFileSync(setup.configFile, 'utf8'), setup.configFile);
    const drop = await createTopics(admin, Object.values(setup.topics), 2);
    const valid = Array.from({ length: 400 }, (_, i) => ({
      id: `e${i}`,
      time: new Date(Date.UTC(2026, 10, 20, 10, 0, i)).toISOString(),
      identity: { id: `svc-${i % 5}` },
      action: i === 399 ? 'iam:CreateAccessKey' : 's3:GetObject',
    }));
    const bad = ['{not json', JSON.stringify({ id: 'x', time: '2026-11-20T10:00:00Z', action: 'a' })];
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: setup.topics.input,
      messages: [...valid.slice(0, 200).map((v) => ({ key: v.identity.id, value: JSON.stringify(v) })), ...bad.map((value) => ({ key: 'bad', value })), ...valid.slice(200).map((v) => ({ key: v.identity.id, value: JSON.stringify(v) }))],
    });
    await producer.disconnect();

    const learnedBeforePublished: string[] = [];
    let learnCalls = 0;
    // Each batch publishes one allow-batch record (its plain allows) and a record per block: the
    // only block is the last event, so learning batch k before publishing it leaves < k records.
    const s = stages(async (decidedSoFar, batchesSoFar) => {
      learnCalls++;
      const ends = await admin.fetchTopicOffsets(setup.topics.decisions);
      const published = ends.reduce((sum, p) => sum + Number(p.high), 0);
      if (published < batchesSoFar) learnedBeforePublished.push(`${published} records published for ${batchesSoFar} batches (${decidedSoFar} decisions)`);
    });
    // The policy version in force, as a policy reload changes it (warden_policy_info).
    let policyReloaded: (version: string) => void = () => undefined;
    const policyVersion = { current: 'policies-1', onChange: (l: (version: string) => void) => void (policyReloaded = l) };
    const app = await startWardenApp(config, silentLogger, { ...s, policyVersion, normalizers: new Map([[setup.topics.input, jsonNormalizer]]) });
    const decisions: Array<Decision & { sig: string }> = [];
    const allowBatches: object[] = [];
    const dlq: Array<{ reason: string; raw: string; origin: { offset: string } }> = [];
    const blocks: Array<{ identity: string; state: string; sig: string }> = [];
    const watcher = kafka.consumer({ groupId: `${setup.groupId}-watch` });
    await watcher.connect();
    await watcher.subscribe({ topics: [setup.topics.decisions, setup.topics.dlq, setup.topics.blocks], fromBeginning: true });
    await watcher.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === setup.topics.decisions) {
          if (recordHeaderOf(message.headers) === ALLOW_BATCH_RECORD) allowBatches.push(JSON.parse(message.value?.toString() ?? 'null') as object);
          for (const entry of decisionEntriesOf(message.value, message.headers) ?? []) decisions.push(entry.record as Decision & { sig: string });
          return;
        }
        const value: unknown = JSON.parse(message.value?.toString() ?? 'null');
        if (topic === setup.topics.dlq) dlq.push(value as (typeof dlq)[number]);
        else blocks.push(value as (typeof blocks)[number]);
      },
    });
    try {
      await eventually(() => decisions.length >= 400 && dlq.length >= 2 && blocks.length >= 1, 60_000, 'decisions, dead letters and the block');
      expect(new Set(decisions.map((d) => d.eventId)).size).toBe(400);
      expect(learnCalls).toBeGreaterThan(0);
      expect(learnedBeforePublished).toEqual([]);
      // Allows go into allow-batch records by default (their entries verify against them), the block is in full.
      const verifier = createVerifier([setup.publicKeyPem]);
      expect(allowBatches.every((m) => verifier.verify(m))).toBe(true);
      expect(decisions.every((d) => verifier.verify(d))).toBe(true);
      expect(decisions.filter((d) => d.reasons !== undefined).map((d) => d.verdict)).toEqual(['block']);
      expect(allowBatches.reduce((n, m) => n + (m as { decided: number }).decided, 0)).toBe(400);
      expect(dlq.map((d) => d.reason).sort()).toEqual(['MALFORMED_JSON', 'MISSING_IDENTITY']);
      expect(dlq.find((d) => d.reason === 'MALFORMED_JSON')?.raw).toBe('{not json');
      expect(blocks).toHaveLength(1);
      expect(blocks[0]).toMatchObject({ identity: 'svc-4', state: 'block' });
      expect(verifier.verify(blocks[0] ?? {})).toBe(true);
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).toMatch(/warden_decisions_total\{verdict="allow",mode="enforce"\} 399/);
      expect(metrics).toMatch(/warden_dlq_total\{reason="MALFORMED_JSON"\} 1/);
      expect(metrics).toMatch(/^warden_policy_info\{version="policies-1"\} 1$/m);
      policyReloaded('policies-2');
      const reloaded = await (await fetch(`${app.url}/metrics`)).text();
      expect(reloaded).toMatch(/^warden_policy_info\{version="policies-2"\} 1$/m);
      expect(reloaded).not.toMatch(/policies-1/);
    } finally {
      await watcher.disconnect();
      await app.stop();
    }
    // Everything consumed was committed: the group's offsets sit at the end of each partition.
    const offsets = await admin.fetchOffsets({ groupId: setup.groupId, topics: [setup.topics.input] });
    const ends = await admin.fetchTopicOffsets(setup.topics.input);
    for (const p of offsets[0]?.partitions ?? []) {
      expect(p.offset).toBe(ends.find((e) => e.partition === p.partition)?.high);
    }
    await drop();
  });

  it('held learning whose write was applied and refused is read again from the last commit (a seek): every event learned once, everything committed', async () => {
    const setup = wardenSetup();
    const config = parseConfig(readFileSync(setup.configFile, 'utf8'), setup.configFile);
    const drop = await createTopics(admin, Object.values(setup.topics), 2);
    // Writes 2 to 4 are applied and then refused, as a WAIT no replica answers (redis.replicaAcks).
    let writes = 0;
    const inner = new MemoryBaselineStore({ copies: true });
    const store = {
      load: (ids: readonly string[], partition: string | null) => inner.load(ids, partition),
      async apply(updates: readonly ProfileUpdate[], partition: string | null) {
        await inner.apply(updates, partition);
        writes++;
        if (writes >= 2 && writes <= 4) throw new WardenError('WARDEN_STORE_UNAVAILABLE', '0 of 1 replicas acknowledged the write', { retriable: true });
      },
    };
    const learning = new LearningBuffer(store, { intervalMs: 100 });
    // A profile is the list of event ids it learned; an event at or below the watermark teaches nothing.
    const decider: WardenStages['decider'] = {
      async decide(events, position) {
        const partition = position?.partition ?? null;
        const loaded = await learning.load([...new Set(events.map((e) => e.identity.id))], partition);
        const profiles = new Map<string, IdentityProfile & { learned: string[] }>();
        const last = new Map<string, string>();
        events.forEach((e, i) => {
          const id = e.identity.id;
          const offset = position!.offsets[i]!;
          const held = loaded.get(id);
          const p = profiles.get(id) ?? ((held?.profile as (IdentityProfile & { learned: string[] }) | null) ?? ({ identity: id, events: 0, learned: [] } as unknown as IdentityProfile & { learned: string[] }));
          profiles.set(id, p);
          if (held?.watermark != null && BigInt(offset) <= BigInt(held.watermark)) return;
          p.learned.push(e.id);
          last.set(id, offset);
        });
        return { decisions: decideStandIn([...events]), updates: [...last].map(([identity, offset]) => ({ identity, profile: profiles.get(identity)!, offset })) };
      },
    };
    const s: WardenStages = { normalizers: new Map([[setup.topics.input, jsonNormalizer]]), decider, store: learning, storeHealthy: async () => true, close: async () => undefined };
    const app = await startWardenApp(config, silentLogger, s);
    const events = Array.from({ length: 300 }, (_, i) => ({ id: `e${i}`, time: new Date(Date.UTC(2026, 10, 20, 10, 0, i)).toISOString(), identity: { id: `svc-${i % 6}` }, action: 's3:GetObject' }));
    const producer = kafka.producer();
    const decided = new Map<string, number>();
    const watcher = kafka.consumer({ groupId: `${setup.groupId}-watch` });
    try {
      await producer.connect();
      await watcher.connect();
      await watcher.subscribe({ topics: [setup.topics.decisions], fromBeginning: true });
      await watcher.run({ eachMessage: async ({ message }) => void (decisionEntriesOf(message.value, message.headers) ?? []).forEach((e) => decided.set(e.record.eventId as string, (decided.get(e.record.eventId as string) ?? 0) + 1)) });
      // In three rounds, so that there are several held writes to refuse.
      for (let round = 0; round < 3; round++) {
        const part = events.slice(round * 100, round * 100 + 100);
        await producer.send({ topic: setup.topics.input, messages: part.map((v) => ({ key: v.identity.id, value: JSON.stringify(v) })) });
        await eventually(() => part.every((e) => decided.has(e.id)), 60_000, `round ${round + 1} decided`);
        await new Promise((r) => setTimeout(r, 300));
      }
      await eventually(async () => {
        const offsets = await admin.fetchOffsets({ groupId: setup.groupId, topics: [setup.topics.input] });
        const ends = await admin.fetchTopicOffsets(setup.topics.input);
        return (offsets[0]?.partitions ?? []).every((p) => p.offset === ends.find((e) => e.partition === p.partition)?.high);
      }, 30_000, 'everything committed');
      expect(writes).toBeGreaterThan(4);
      // Read again: some decisions were published twice, with the same ids.
      expect([...decided.values()].some((n) => n > 1)).toBe(true);
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(Number(/^warden_learning_read_again_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
      expect(metrics).toMatch(/^warden_learning_held_profiles \d+$/m);
      for (let i = 0; i < 6; i++) {
        const learned = ((await inner.get(`svc-${i}`)) as unknown as { learned: string[] }).learned;
        expect(learned, `svc-${i}`).toEqual(events.filter((e) => e.identity.id === `svc-${i}`).map((e) => e.id));
      }
    } finally {
      await Promise.all([watcher.disconnect(), producer.disconnect()]);
      await app.stop();
    }
    await drop();
  });

  it('publishes a new block at once after an operator lifts one (it follows the blocks topic)', async () => {
    const setup = wardenSetup();
    const config = parseConfig(readFileSync(setup.configFile, 'utf8'), setup.configFile);
    const drop = await createTopics(admin, Object.values(setup.topics), 2);
    const app = await startWardenApp(config, silentLogger, { ...stages(), normalizers: new Map([[setup.topics.input, jsonNormalizer]]) });
    const blocks: Array<{ identity: string; state: string; source: string; createdAt: string }> = [];
    const watcher = kafka.consumer({ groupId: `${setup.groupId}-watch` });
    const producer = kafka.producer();
    let n = 0;
    const produceIam = async (): Promise<void> => {
      n++;
      await producer.send({ topic: setup.topics.input, messages: [{ key: 'svc-x', value: JSON.stringify({ id: `iam-${n}`, time: new Date().toISOString(), identity: { id: 'svc-x' }, action: 'iam:CreateAccessKey' }) }] });
    };
    try {
      await Promise.all([watcher.connect(), producer.connect()]);
      await watcher.subscribe({ topics: [setup.topics.blocks], fromBeginning: true });
      await watcher.run({ eachMessage: async ({ message }) => void blocks.push(JSON.parse(message.value?.toString() ?? 'null') as (typeof blocks)[number]) });
      await produceIam();
      await produceIam();
      await eventually(() => blocks.length >= 1, 60_000, 'the first block');
      const lift = await publishSigned(config, silentLogger, operatorLiftRecord({ identity: 'svc-x', reason: 'false positive', operator: 'alice', nowMs: Date.now() }));
      await eventually(() => blocks.length >= 2, 30_000, 'the lift');
      // Without the lift the block in force would not be published again before half its TTL (an hour).
      let last = 0;
      await eventually(async () => {
        if (blocks.length < 3 && Date.now() - last > 500) {
          last = Date.now();
          await produceIam();
        }
        return blocks.length >= 3;
      }, 60_000, 'a new block after the lift');
      expect(blocks.map((b) => [b.state, b.source])).toEqual([['block', 'warden'], ['lift', 'operator:alice'], ['block', 'warden']]);
      expect(Date.parse(blocks[2]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(lift.createdAt));
    } finally {
      await Promise.all([watcher.disconnect(), producer.disconnect()]);
      await app.stop();
    }
    await drop();
  });
});
