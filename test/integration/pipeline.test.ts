/**
 * `warden run` as a real process against the real broker and Redis: one decision per valid event,
 * dead letters with reasons, no loss and no double counting across kill -9, a second instance
 * taking over, Redis restarting and the broker restarting mid-stream.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer } from 'kafkajs';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { simulate } from '../../src/simulator/generate.js';
import type { WardenEvent } from '../../src/events/event.js';
import { createVerifier } from '../../src/decisions/signing.js';
import type { Decision } from '../../src/decisions/decision.js';
import { ALLOW_BATCH_RECORD } from '../../src/decisions/allow-batch.js';
import { decisionEntriesOf, recordHeaderOf } from '../../src/decisions/topic-records.js';
import { RedisBaselineStore } from '../../src/baseline/store-redis.js';
import { groupLag } from '../../src/pipeline/consumer-watchdog.js';
import { brokerRestartable, createTopics, deleteKeys, eventually, redisUrl, testKafka, uniqueName } from './helpers/services.js';
import { exitWithin, httpUrl, startWarden, wardenSetup } from './helpers/warden-process.js';
import type { RunningWarden, WardenTestSetup } from './helpers/warden-process.js';
import { startOwnRedis } from './helpers/own-redis.js';

const run = promisify(execFile);
const sim = simulate({ seed: 5, days: 8, fleet: 10 });
const events: WardenEvent[] = sim.events.slice(0, 4000);
const inventory = stringify({ identities: sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind, environment: i.env, tokens: [i.tokenId] })) });

function setupFor(extra: Record<string, unknown> = {}): WardenTestSetup {
  const setup = wardenSetup(extra, { 'identities.yaml': inventory });
  mkdirSync(join(setup.dir, 'policies'));
  // Point the config at the files next to it.
  const text = readFileSync(setup.configFile, 'utf8');
  writeFileSync(setup.configFile, `${text}identity:\n  inventory: ${join(setup.dir, 'identities.yaml')}\npolicy:\n  dir: ${join(setup.dir, 'policies')}\n`);
  return setup;
}

class DecisionLog {
  readonly byEvent = new Map<string, Decision & { sig: string }>();
  /** Distinct decisions (by decisionId) per event id: more than one would be a double decision. */
  readonly idsPerEvent = new Map<string, Set<string>>();
  readonly dlq: Array<{ reason: string; origin: { offset?: string } }> = [];
  /** Allow-batch records (plain allows, decisions.allow: compact by default); their entries are in byEvent. */
  readonly allowBatches: object[] = [];
  total = 0;
  consumer: Consumer | undefined;

  async follow(setup: WardenTestSetup, kafka = testKafka()): Promise<void> {
    this.consumer = kafka.consumer({ groupId: uniqueName('it-watch'), maxWaitTimeInMs: 50 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [setup.topics.decisions, setup.topics.dlq], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === setup.topics.dlq) {
          this.dlq.push(JSON.parse(message.value?.toString() ?? 'null') as (typeof this.dlq)[number]);
          return;
        }
        if (recordHeaderOf(message.headers) === ALLOW_BATCH_RECORD) this.allowBatches.push(JSON.parse(message.value?.toString() ?? 'null') as object);
        for (const entry of decisionEntriesOf(message.value, message.headers) ?? []) {
          const d = entry.record as Decision & { sig: string };
          this.total++;
          this.byEvent.set(d.eventId, d);
          const ids = this.idsPerEvent.get(d.eventId) ?? new Set<string>();
          ids.add(d.decisionId);
          this.idsPerEvent.set(d.eventId, ids);
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

async function produce(setup: WardenTestSetup, values: string[], keys: (string | null)[]): Promise<void> {
  const producer = testKafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < values.length; i += 500) {
    await producer.send({ topic: setup.topics.input, messages: values.slice(i, i + 500).map((value, j) => ({ key: keys[i + j] ?? null, value })) });
  }
  await producer.disconnect();
}

const eventValues = (list: readonly WardenEvent[]): string[] => list.map((e) => JSON.stringify(e));
const eventKeys = (list: readonly WardenEvent[]): string[] => list.map((e) => e.identity.id);

async function stopWarden(w: RunningWarden): Promise<void> {
  if (w.child.exitCode !== null) return;
  w.child.kill('SIGTERM');
  await w.exited;
}

describe('warden run on the real broker and Redis', () => {
  const kafka = testKafka();
  let admin: Admin;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    for (const c of cleanups) await c().catch(() => undefined);
    await admin.disconnect();
  });

  async function topicsFor(setup: WardenTestSetup, partitions = 4): Promise<void> {
    cleanups.push(await createTopics(admin, [setup.topics.input, setup.topics.decisions, setup.topics.dlq, setup.topics.blocks], partitions));
    const redis = new Redis(redisUrl());
    cleanups.push(async () => {
      await deleteKeys(redis, setup.keyPrefix);
      redis.disconnect();
    });
  }

  it('decides every valid event exactly once, signed, and dead-letters every bad record with its reason', async () => {
    const setup = setupFor();
    await topicsFor(setup);
    const cloudtrail = readFileSync('test/fixtures/real-audit/cloudtrail.jsonl', 'utf8').split('\n').filter(Boolean).slice(0, 20);
    const bad = ['{"truncated": ', JSON.stringify({ id: 'no-identity', time: '2026-11-20T10:00:00Z', action: 's3:GetObject' }), JSON.stringify({ id: 'bad-time', time: 'yesterday', identity: { id: 'x' }, action: 'a:b' })];
    const some = events.slice(0, 1500);
    await produce(setup, [...eventValues(some.slice(0, 700)), ...bad, ...cloudtrail, ...eventValues(some.slice(700))], [...eventKeys(some.slice(0, 700)), ...bad.map(() => 'bad'), ...cloudtrail.map(() => 'ct'), ...eventKeys(some.slice(700))]);
    const log = new DecisionLog();
    await log.follow(setup);
    const w = startWarden(setup);
    try {
      await eventually(() => some.every((e) => log.byEvent.has(e.id)) && log.dlq.length >= 3, 90_000, 'decisions for all events');
      // Allow-batch entries verify against their record, so the verifier reads the records first.
      const verifier = createVerifier([setup.publicKeyPem], { keptManifests: Number.POSITIVE_INFINITY });
      expect(log.allowBatches.every((m) => verifier.verify(m))).toBe(true);
      expect([...log.byEvent.values()].every((d) => verifier.verify(d))).toBe(true);
      expect(log.dlq.map((d) => d.reason).sort()).toEqual(expect.arrayContaining(['MALFORMED_JSON']));
      expect(log.dlq.length).toBe(3);
      // CloudTrail records in the same topic are auto-detected and decided too.
      expect([...log.byEvent.values()].filter((d) => !some.some((e) => e.id === d.eventId)).length).toBeGreaterThan(0);
      // Exactly one decision per event (the real CloudTrail samples reuse some event ids, so count the native ones).
      expect(some.every((e) => log.idsPerEvent.get(e.id)?.size === 1)).toBe(true);
      expect(log.total).toBeGreaterThanOrEqual(some.length + 20);
    } finally {
      await stopWarden(w);
      await log.stop();
    }
    expect(await w.exited).toBe(0);
  });

  /**
   * Every record read so far is committed, so the learning held for it (pipeline.storeIntervalMs)
   * is written: the next events' profiles are loaded from the store.
   */
  async function committed(setup: WardenTestSetup, timeoutMs = 30_000): Promise<void> {
    await eventually(async () => [...(await groupLag(admin, setup.groupId, [setup.topics.input])).values()].every((lag) => lag === 0), timeoutMs, 'every record read committed');
  }

  // 0: each batch's learning written before its commit; 250: held per partition and written
  // together (pipeline.storeIntervalMs), the crash then also losing what was held. Killed mid-stream,
  // or once every event is decided: then nothing is left to decide, and what the killed instance
  // had not stored is learned only from the records it had not committed, read again.
  it.each([
    [0, 1200],
    [250, 1200],
    [250, events.length],
  ])('after kill -9 and a restart every event is decided and the baselines equal a clean run (storeIntervalMs %i, killed after %i decisions)', async (storeIntervalMs, killAfter) => {
    const crashed = setupFor({ pipeline: { storeIntervalMs } });
    await topicsFor(crashed);
    await produce(crashed, eventValues(events), eventKeys(events));
    const log = new DecisionLog();
    await log.follow(crashed);
    let w = startWarden(crashed);
    await eventually(() => log.byEvent.size >= killAfter, 90_000, `${killAfter} decisions before the crash`);
    w.child.kill('SIGKILL');
    await w.exited;
    w = startWarden(crashed);
    await eventually(() => events.every((e) => log.byEvent.has(e.id)), 120_000, 'every event decided after the restart');
    // Every event decided is not enough: the killed instance may have published decisions whose
    // learning it had not stored, and the restarted instance learns them once it has joined the
    // group and read their records again. Every record committed is.
    await committed(crashed, 120_000);
    await stopWarden(w);
    await log.stop();

    // A clean run on the same input with its own group and key prefix.
    const clean = setupFor();
    await topicsFor(clean);
    await produce(clean, eventValues(events), eventKeys(events));
    const cleanLog = new DecisionLog();
    await cleanLog.follow(clean);
    const c = startWarden(clean);
    await eventually(() => events.every((e) => cleanLog.byEvent.has(e.id)), 120_000, 'clean run complete');
    await stopWarden(c);
    await cleanLog.stop();

    const redis = new Redis(redisUrl());
    const a = new RedisBaselineStore(redis, { keyPrefix: crashed.keyPrefix, ttlMs: 86_400_000 });
    const b = new RedisBaselineStore(redis, { keyPrefix: clean.keyPrefix, ttlMs: 86_400_000 });
    for (const id of new Set(events.map((e) => e.identity.id))) {
      expect(await a.get(id), id).toEqual(await b.get(id));
    }
    redis.disconnect();
  });

  it('a second instance in the group takes over the partitions of one that was killed', async () => {
    const setup = setupFor({ kafka: { sessionTimeoutMs: 10_000 } });
    await topicsFor(setup);
    const log = new DecisionLog();
    await log.follow(setup);
    const w1 = startWarden(setup);
    const w2 = startWarden(setup);
    await Promise.all([w1.joined, w2.joined]);
    await produce(setup, eventValues(events.slice(0, 1000)), eventKeys(events.slice(0, 1000)));
    await eventually(() => log.byEvent.size >= 500, 90_000, 'both instances deciding');
    w2.child.kill('SIGKILL');
    await w2.exited;
    await produce(setup, eventValues(events.slice(1000, 2500)), eventKeys(events.slice(1000, 2500)));
    await eventually(() => events.slice(0, 2500).every((e) => log.byEvent.has(e.id)), 120_000, 'the survivor decided everything');
    await stopWarden(w1);
    await log.stop();
  });

  it('keeps deciding while Redis restarts: degraded decisions during the outage, full ones after', async () => {
    const own = await startOwnRedis();
    const setup = setupFor({ redis: { url: own.url, keyPrefix: uniqueName('it-own') } });
    await topicsFor(setup);
    const log = new DecisionLog();
    await log.follow(setup);
    const w = startWarden(setup);
    await w.joined;
    await produce(setup, eventValues(events.slice(0, 800)), eventKeys(events.slice(0, 800)));
    await eventually(() => events.slice(0, 800).every((e) => log.byEvent.has(e.id)), 90_000, 'decisions before the outage');
    // Profiles still held in memory need no store, and the next events would be decided on them in full.
    await committed(setup);
    await own.stop();
    await produce(setup, eventValues(events.slice(800, 1200)), eventKeys(events.slice(800, 1200)));
    await eventually(() => events.slice(800, 1200).every((e) => log.byEvent.has(e.id)), 90_000, 'decisions during the outage');
    expect(events.slice(800, 1200).every((e) => log.byEvent.get(e.id)?.degraded === true)).toBe(true);
    await own.start();
    // Ready again once its store answers (/readyz pings it): the next batch then tries the store first.
    await eventually(async () => (await fetch(`${httpUrl(w)}/readyz`).catch(() => null))?.status === 200, 30_000, 'the store reachable again');
    await produce(setup, eventValues(events.slice(1200, 1600)), eventKeys(events.slice(1200, 1600)));
    await eventually(() => events.slice(1200, 1600).every((e) => log.byEvent.has(e.id)), 90_000, 'decisions after the outage');
    expect(log.byEvent.get(events[1599]!.id)?.degraded).toBeUndefined();
    await stopWarden(w);
    await log.stop();
    await own.stop();
  });

  it('a start that fails (no signing key) exits 1 at once with the reason, holding nothing open', async () => {
    const setup = setupFor({ signing: { privateKeyFile: join(mkdtempSync(join(tmpdir(), 'warden-nokey-')), 'missing.key') } });
    const started = Date.now();
    const w = startWarden(setup);
    const code = await exitWithin(w, 20_000);
    expect(code).toBe(1);
    // The Redis connection the stages opened used to keep the process alive after the error.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(w.logs.join('\n')).toMatch(/WARDEN_KEY_INVALID\s+cannot read the signing key .*missing\.key/);
  }, 60_000);

  it('waits for a slow Redis without a rebalance, and degrades once a command times out', async () => {
    const own = await startOwnRedis();
    // The pause outlasts the session timeout: only the heartbeats sent while the batch waits keep
    // the member in its group.
    const setup = setupFor({ redis: { url: own.url, keyPrefix: uniqueName('it-slow'), commandTimeoutMs: 9000 }, kafka: { sessionTimeoutMs: 6000 } });
    await topicsFor(setup);
    const log = new DecisionLog();
    await log.follow(setup);
    const w = startWarden(setup);
    const admin = new Redis(own.url);
    const dump = (err: unknown): never => {
      process.stderr.write(`${w.logs.slice(-40).join('\n')}\n`);
      throw err;
    };
    try {
      await w.joined;
      await produce(setup, eventValues(events.slice(0, 400)), eventKeys(events.slice(0, 400)));
      await eventually(() => events.slice(0, 400).every((e) => log.byEvent.has(e.id)), 90_000, 'decisions before the pause').catch(dump);
      // Profiles still held in memory need no store: the next events would not wait for it.
      await committed(setup);

      // Slower than the session timeout, faster than the command timeout: Warden waits.
      const paused = Date.now();
      await admin.client('PAUSE', 7000, 'ALL');
      await produce(setup, eventValues(events.slice(400, 700)), eventKeys(events.slice(400, 700)));
      await eventually(() => events.slice(400, 700).every((e) => log.byEvent.has(e.id)), 90_000, 'decisions after a 7 s pause').catch(dump);
      expect(Date.now() - paused).toBeGreaterThanOrEqual(6500);
      expect(events.slice(400, 700).some((e) => log.byEvent.get(e.id)?.degraded)).toBe(false);
      expect(w.logs.filter((l) => l.includes('joined consumer group'))).toHaveLength(1);

      // Longer than the command timeout: the waiting batch is decided without the store.
      await committed(setup);
      await admin.client('PAUSE', 11_000, 'ALL');
      await produce(setup, eventValues(events.slice(700, 1000)), eventKeys(events.slice(700, 1000)));
      await eventually(() => events.slice(700, 1000).every((e) => log.byEvent.has(e.id)), 90_000, 'decisions during an 11 s pause').catch(dump);
      const degraded = events.slice(700, 1000).filter((e) => log.byEvent.get(e.id)?.degraded);
      expect(degraded.length).toBeGreaterThan(0);
      expect(log.byEvent.get(degraded[0]!.id)?.reasons.map((r) => r.code)).toContain('STORE_UNAVAILABLE');
      await eventually(async () => (await admin.ping()) === 'PONG', 30_000, 'the pause to end');
      await produce(setup, eventValues(events.slice(1000, 1200)), eventKeys(events.slice(1000, 1200)));
      await eventually(() => events.slice(1000, 1200).every((e) => log.byEvent.has(e.id)), 90_000, 'decisions after the pause').catch(dump);
      expect(log.byEvent.get(events[1199]!.id)?.degraded).toBeUndefined();
      for (const ids of log.idsPerEvent.values()) expect(ids.size).toBe(1);
    } finally {
      admin.disconnect();
      await stopWarden(w);
      await log.stop();
      await own.stop();
    }
  }, 180_000);

  it.skipIf(!brokerRestartable())('survives a broker restart mid-stream without losing an event', async () => {
    const setup = setupFor();
    await topicsFor(setup);
    const log = new DecisionLog();
    await log.follow(setup);
    const w = startWarden(setup);
    await w.joined;
    const dump = (err: unknown): never => {
      process.stderr.write(`${w.logs.slice(-60).join('\n')}\n`);
      throw err;
    };
    try {
      await produce(setup, eventValues(events.slice(0, 600)), eventKeys(events.slice(0, 600)));
      await eventually(() => events.slice(0, 600).every((e) => log.byEvent.has(e.id)), 90_000, 'decisions before the restart').catch(dump);
      await run('node', ['scripts/services.mjs', 'restart-kafka'], { timeout: 120_000 });
      await produce(setup, eventValues(events.slice(600, 1200)), eventKeys(events.slice(600, 1200)));
      await eventually(() => events.slice(0, 1200).every((e) => log.byEvent.has(e.id)), 120_000, 'every event decided after the restart').catch(dump);
      expect(w.child.exitCode).toBeNull();
      // Redelivered around the restart or not, each event has one decision id, and nothing was rejected.
      for (const ids of log.idsPerEvent.values()) expect(ids.size).toBe(1);
      expect(log.dlq).toEqual([]);
    } finally {
      await stopWarden(w);
      await log.stop();
    }
    expect(w.child.exitCode).toBe(0);
  }, 300_000);
});
