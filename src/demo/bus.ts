/**
 * How the demo moves audit events, decisions and blocks: through the real Kafka broker and a real
 * `warden run` instance (with Redis), or — when those cannot run here — through the same decider
 * in process, with an in-memory store and block table ("embedded mode"). Both drive the same
 * gateway through the same BlockChecker interface.
 */
import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import type { Consumer, Producer } from 'kafkajs';
import { parseConfig } from '../config/load.js';
import type { WardenConfig } from '../config/schema.js';
import type { CompactDecision } from '../decisions/compact.js';
import type { Decision } from '../decisions/decision.js';
import { createSigner } from '../decisions/signing.js';
import type { KeyPairPem } from '../decisions/signing.js';
import { decisionEntriesOf } from '../decisions/topic-records.js';
import type { WardenEvent } from '../events/event.js';
import { createEnforcer } from '../enforcer/enforcer.js';
import type { Enforcer } from '../enforcer/enforcer.js';
import { BlockTable } from '../enforcer/block-table.js';
import type { BlockChecker } from '../enforcer/gateway-decide.js';
import { MemoryBaselineStore } from '../baseline/store-memory.js';
import { silentLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';
import { startWardenApp } from '../pipeline/app.js';
import type { WardenApp } from '../pipeline/app.js';
import { BatchProcessor } from '../pipeline/batch-processor.js';
import type { SourceRecord } from '../pipeline/batch-processor.js';
import { BlockTracker } from '../pipeline/block-tracker.js';
import { buildStages } from '../pipeline/stages.js';
import { ensureTopics, topicSpecs } from '../pipeline/topics.js';
import type { BuiltStages } from '../pipeline/stages.js';
import { createProducer } from '../pipeline/safe-producer.js';

export interface DemoBus {
  mode: 'kafka' | 'embedded';
  checker: BlockChecker;
  /** Feeds audit events in; resolves once they are handed over (not decided). */
  publish(events: readonly WardenEvent[]): Promise<void>;
  onDecision(listener: (d: Decision) => void): void;
  stop(): Promise<void>;
}

export interface DemoFiles {
  dir: string;
  keys: KeyPairPem;
  inventoryFile: string;
  policyDir: string;
  run: string;
}

export function demoConfig(files: DemoFiles, brokers: string[], redisUrl: string): WardenConfig {
  const config = {
    kafka: {
      brokers,
      clientId: files.run,
      groupId: `${files.run}-warden`,
      inputs: [{ topic: `${files.run}.audit`, format: 'warden' }],
      topics: { decisions: `${files.run}.decisions`, blocks: `${files.run}.blocks`, dlq: `${files.run}.dlq` },
    },
    redis: { url: redisUrl, keyPrefix: files.run },
    pipeline: { maxBatchSize: 500, http: { host: '127.0.0.1', port: 0 } },
    identity: { inventory: files.inventoryFile },
    policy: { dir: files.policyDir },
    // The shipped pack, wherever the demo is started from (src/demo or dist/demo → config/knowledge).
    knowledge: { dir: fileURLToPath(new URL('../../config/knowledge', import.meta.url)) },
    signing: { privateKeyFile: join(files.dir, 'warden.key'), publicKeyFile: join(files.dir, 'warden.pub') },
    logging: { level: 'warn' },
  };
  const file = join(files.dir, 'warden.yaml');
  writeFileSync(file, stringify(config));
  return parseConfig(stringify(config), file, {});
}

/** The demo's topics, in the order of `config.kafka`: input, decisions, blocks, dead letters. */
export function demoTopics(config: WardenConfig): string[] {
  return [...config.kafka.inputs.map((i) => i.topic), config.kafka.topics.decisions, config.kafka.topics.blocks, config.kafka.topics.dlq];
}

/**
 * The consumer groups of a demo run among `existing`: those named after the run (warden run's
 * own, its blocks follower, the demo's decision watcher) and the enforcer's, named after this process.
 */
export function demoGroups(files: DemoFiles, existing: readonly string[]): string[] {
  const enforcer = `warden-enforcer-${hostname()}-${process.pid}-`;
  return existing.filter((g) => g.startsWith(`${files.run}-`) || g.startsWith(enforcer));
}

/** A Kafka client for the demo's own plumbing: kafkajs' logging off (errors reach the caller). */
export function demoKafka(config: WardenConfig, files: DemoFiles): Kafka {
  return new Kafka({ clientId: `${files.run}-demo`, brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 3000 } });
}

/**
 * Creates the demo's topics and waits until every partition has a leader, so that nothing that
 * starts next meets a topic the broker does not serve yet.
 */
async function topicsReady(kafka: Kafka, config: WardenConfig): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, topicSpecs(config));
    const { topics } = await admin.fetchTopicMetadata({ topics: demoTopics(config) });
    const leaderless = topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
    if (leaderless.length > 0) throw Object.assign(new Error(`no leader yet for ${leaderless.map((t) => t.name).join(', ')}`), { type: 'LEADER_NOT_AVAILABLE' });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** A compact allow as the demo shows decisions: no reasons (a plain allow has none worth showing). */
function decisionOfCompact(c: CompactDecision): Decision {
  return { decisionId: c.decisionId, eventId: c.eventId, identity: c.identity, owner: null, action: '', resource: null, eventTime: '', decidedAt: '', verdict: c.verdict, score: c.score, mode: 'enforce', reasons: [], policy: { id: null, version: c.policy }, model: c.model };
}

/**
 * The real thing: events to Kafka, `warden run` deciding, an enforcer following the blocks topic.
 * A start that fails half way closes what it opened, so that the caller can try again.
 */
export async function kafkaBus(config: WardenConfig, files: DemoFiles, logger: Logger): Promise<DemoBus & { app: WardenApp }> {
  const kafka = demoKafka(config, files);
  const opened: Array<() => Promise<unknown>> = [];
  const closeAll = async (): Promise<void> => {
    for (const close of opened.splice(0).reverse()) await close().catch(() => undefined);
  };
  try {
    await topicsReady(kafka, config);
    const stages = await buildStages(config, logger);
    // startWardenApp closes the stages itself when it fails.
    const app = await startWardenApp(config, logger, stages);
    opened.push(() => app.stop());
    const producer: Producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 }, { logger });
    opened.push(() => producer.disconnect());
    await producer.connect();
    const listeners: Array<(d: Decision) => void> = [];
    const decisions: Consumer = kafka.consumer({ groupId: `${files.run}-watch`, maxWaitTimeInMs: 20 });
    opened.push(() => decisions.disconnect());
    await decisions.connect();
    await decisions.subscribe({ topic: config.kafka.topics.decisions, fromBeginning: true });
    await decisions.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          // An allow-batch record carries the batch's plain allows: one decision each.
          for (const read of decisionEntriesOf(m.value, m.headers) ?? []) {
            const d = read.form === 'full' ? read.record : decisionOfCompact(read.record);
            for (const l of listeners) l(d);
          }
        }
      },
    });
    const enforcer: Enforcer = createEnforcer({ kafka, topic: config.kafka.topics.blocks, publicKeys: [files.keys.publicKeyPem], failMode: 'open', logger });
    opened.push(() => enforcer.close());
    await enforcer.ready(60_000);
    return {
      mode: 'kafka',
      app,
      checker: enforcer,
      async publish(events) {
        for (let i = 0; i < events.length; i += 1000) {
          const messages = events.slice(i, i + 1000).map((e) => ({ key: e.identity.id, value: JSON.stringify(e) }));
          await producer.send({ topic: config.kafka.inputs[0]?.topic ?? '', messages, acks: -1 });
        }
      },
      onDecision(listener) {
        listeners.push(listener);
      },
      stop: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/**
 * No broker, no Redis: the live pipeline's batch processor in process (the same normalizer,
 * decider and block tracker as `warden run`), a memory store, block records signed and applied
 * to the table directly.
 */
export async function embeddedBus(config: WardenConfig, files: DemoFiles): Promise<DemoBus> {
  const store = new MemoryBaselineStore();
  const stages: BuiltStages = await buildStages(config, silentLogger, { store });
  const signer = createSigner(files.keys.privateKeyPem);
  const table = new BlockTable();
  const processor = new BatchProcessor({ normalizers: stages.normalizers, decider: stages.decider, blocks: new BlockTracker(config.blocks) });
  const topic = config.kafka.inputs[0]?.topic ?? 'embedded';
  const listeners: Array<(d: Decision) => void> = [];
  let queue: Promise<void> = Promise.resolve();
  let offset = 0;
  return {
    mode: 'embedded',
    checker: {
      check: (identity, tokenId, action) => {
        const verdict = table.check(identity, tokenId, action, Date.now());
        return verdict.allowed ? { allowed: true } : { allowed: false, reason: verdict.block?.reason, decisionId: verdict.block?.decisionId ?? undefined, expiresAt: verdict.block?.expiresAt ?? undefined };
      },
    },
    publish(events) {
      // One batch at a time, in order, as one Kafka partition would deliver them.
      queue = queue.then(async () => {
        for (let i = 0; i < events.length; i += config.pipeline.maxBatchSize) {
          const records: SourceRecord[] = events
            .slice(i, i + config.pipeline.maxBatchSize)
            .map((e) => ({ topic, partition: 0, offset: String(offset++), value: Buffer.from(JSON.stringify(e)), timestamp: Date.now() }));
          const batch = await processor.process(records);
          // "Publish": blocks to the table, decisions to the listeners; then learn, as warden run does.
          for (const block of batch.blocks) table.apply(signer.sign(block), Date.now());
          for (const d of batch.decisions) for (const l of listeners) l(d);
          if (batch.updates.length > 0) await store.apply(batch.updates, batch.partition);
        }
      });
      return Promise.resolve();
    },
    onDecision(listener) {
      listeners.push(listener);
    },
    async stop() {
      await queue;
      await stages.close();
    },
  };
}
