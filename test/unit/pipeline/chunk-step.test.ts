import { describe, expect, it } from 'vitest';
import type { TopicMessages } from 'kafkajs';
import { parseConfig } from '../../../src/config/load.js';
import { ApprovalOpener } from '../../../src/approvals/opener.js';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import type { ProfileUpdate } from '../../../src/baseline/store.js';
import type { Decision } from '../../../src/decisions/decision.js';
import { createSigner, generateKeyPair } from '../../../src/decisions/signing.js';
import { WardenError } from '../../../src/errors.js';
import { createNormalizer } from '../../../src/events/index.js';
import type { WardenEvent } from '../../../src/events/event.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createPipelineMetrics } from '../../../src/observability/metrics.js';
import { BatchProcessor } from '../../../src/pipeline/batch-processor.js';
import type { SourceRecord } from '../../../src/pipeline/batch-processor.js';
import { BlockTracker } from '../../../src/pipeline/block-tracker.js';
import { runChunk } from '../../../src/pipeline/chunk-step.js';
import { DecisionPublisher } from '../../../src/pipeline/decision-publisher.js';
import type { BatchDecider } from '../../../src/pipeline/ports.js';
import { StageClock } from '../../../src/pipeline/stage-clock.js';
import { createDecider } from '../../../src/scoring/decider.js';
import { createEmptyPolicy, createInventoryResolver } from '../../helpers/decision-context.js';
import { START, event, routine } from '../baseline/helpers.js';

const config = parseConfig('{}', 't');
const TOPIC = 'audit';

/** What happened, in order: each produce request and each store write. */
type Step = { kind: 'produce'; topics: string[]; messages: number } | { kind: 'learn'; identities: string[] };

function setup(options: { wrap?: (d: BatchDecider) => BatchDecider; failProduce?: () => boolean; storeError?: () => Error | null; approvals?: boolean } = {}) {
  const steps: Step[] = [];
  const store = new MemoryBaselineStore({ copies: true });
  const writer = {
    apply: async (updates: readonly ProfileUpdate[], partition: string | null) => {
      const err = options.storeError?.() ?? null;
      if (err) throw err;
      steps.push({ kind: 'learn', identities: updates.map((u) => u.identity) });
      await store.apply(updates, partition);
    },
  };
  const sent: TopicMessages[] = [];
  const producer = {
    sendBatch: async ({ topicMessages }: { topicMessages?: TopicMessages[] }) => {
      if (options.failProduce?.()) throw new Error('the broker went away');
      steps.push({ kind: 'produce', topics: (topicMessages ?? []).map((t) => t.topic), messages: (topicMessages ?? []).reduce((n, t) => n + t.messages.length, 0) });
      sent.push(...(topicMessages ?? []));
      return [];
    },
  };
  const decider = createDecider({ config, resolver: createInventoryResolver(null, config), policy: createEmptyPolicy(), store });
  const blocks = new BlockTracker(config.blocks);
  const metrics = createPipelineMetrics({ defaultMetrics: false });
  const processor = new BatchProcessor({ normalizers: new Map([[TOPIC, createNormalizer({ format: 'warden', events: config.events })]]), decider: options.wrap ? options.wrap(decider) : decider, blocks, ...(options.approvals ? { approvals: new ApprovalOpener(config.approvals, 60_000) } : {}), metrics, now: () => START });
  // Small produce requests and every decision a record of its own (allows too), so that one chunk
  // is several requests and "after all of them" is tested.
  const publisher = new DecisionPublisher({ signer: createSigner(generateKeyPair().privateKeyPem, { batchSize: 64 }), topics: config.kafka.topics, allow: 'full', maxProduceBytes: 16 * 1024, metrics });
  const deps = { processor, publisher, producer, store: writer, clock: new StageClock(metrics), metrics, logger: silentLogger, now: () => START };
  return { steps, sent, store, blocks, metrics, deps };
}

let offset = 0;
const records = (events: WardenEvent[]): SourceRecord[] => events.map((e) => ({ topic: TOPIC, partition: 0, offset: String(offset++), value: Buffer.from(JSON.stringify(e)), timestamp: String(START) }));
const blockIam = (d: BatchDecider): BatchDecider => ({
  decide: async (events, position, options) => {
    const out = await d.decide(events, position, options);
    return { ...out, decisions: out.decisions.map((x): Decision => (x.action.startsWith('iam:') ? { ...x, verdict: 'block', score: 95 } : x)) };
  },
});

describe('one chunk: decide → publish → learn', () => {
  it('stores the learning only after every produce request of the chunk was acknowledged', async () => {
    const { steps, sent, store, deps } = setup();
    const events = routine(3);
    const out = await runChunk(records(events), deps);
    expect(out.decisions).toHaveLength(events.length);
    const produced = steps.filter((s) => s.kind === 'produce');
    expect(produced.length).toBeGreaterThan(1);
    expect(steps.at(-1)).toEqual({ kind: 'learn', identities: ['svc-deployer'] });
    expect(steps.findIndex((s) => s.kind === 'learn')).toBe(produced.length);
    expect(sent.filter((t) => t.topic === config.kafka.topics.decisions).reduce((n, t) => n + t.messages.length, 0)).toBeGreaterThanOrEqual(events.length);
    expect((await store.get('svc-deployer'))?.events).toBe(events.length);
  });

  it('a failed produce stores nothing and withdraws its block records, which the next block decision publishes again', async () => {
    let fail = true;
    const { steps, store, deps } = setup({ wrap: blockIam, failProduce: () => fail });
    const first = records([event(START, { action: 'iam:CreateAccessKey' }), event(START + 1000)]);
    await expect(runChunk(first, deps)).rejects.toThrow('the broker went away');
    expect(steps).toEqual([]);
    expect(await store.get('svc-deployer')).toBeNull();
    fail = false;
    // The same records again (from the last commit): same decisions, the block is published now.
    const again = await runChunk(first, deps);
    expect(again.blocks).toHaveLength(1);
    expect(steps.map((s) => s.kind)).toEqual(['produce', 'learn']);
    expect((steps[0] as { topics: string[] }).topics).toContain(config.kafka.topics.blocks);
  });

  it('a failed produce withdraws its approval requests too: the refusal decided again opens its request', async () => {
    let fail = true;
    // An approve-mode refusal: verdict block with APPROVAL_REQUIRED.
    const approveIam = (d: BatchDecider): BatchDecider => ({
      decide: async (events, position, options) => {
        const out = await d.decide(events, position, options);
        const refuse = (x: Decision): Decision => ({ ...x, verdict: 'block', reasons: [...x.reasons, { code: 'APPROVAL_REQUIRED', detail: 'p/r: iam needs an approval', weight: 0 }] });
        return { ...out, decisions: out.decisions.map((x) => (x.action.startsWith('iam:') ? refuse(x) : x)) };
      },
    });
    const { steps, sent, deps } = setup({ wrap: approveIam, failProduce: () => fail, approvals: true });
    const first = records([event(START, { action: 'iam:CreateAccessKey' })]);
    await expect(runChunk(first, deps)).rejects.toThrow('the broker went away');
    fail = false;
    const again = await runChunk(first, deps);
    expect(again.approvals).toHaveLength(1);
    expect(steps.map((s) => s.kind)).toEqual(['produce', 'learn']);
    expect(sent.some((t) => t.topic === config.kafka.topics.approvals && t.messages.length === 1)).toBe(true);
  });

  it('the narrowed path (an event the decider throws on) also learns after publishing, dead letter included', async () => {
    const poison = (d: BatchDecider): BatchDecider => ({
      decide: async (events, position, options) => {
        if (events.some((e) => e.action === 'poison:Pill')) throw new Error('cannot score this');
        return d.decide(events, position, options);
      },
    });
    const { steps, sent, deps } = setup({ wrap: poison });
    const out = await runChunk(records([...routine(1), event(START + 86_400_000, { action: 'poison:Pill' })]), deps);
    expect(out.deadLetters.map((d) => d.reason)).toEqual(['DECIDE_FAILED']);
    expect(steps.at(-1)?.kind).toBe('learn');
    expect(steps.slice(0, -1).every((s) => s.kind === 'produce')).toBe(true);
    expect(sent.some((t) => t.topic === config.kafka.topics.dlq)).toBe(true);
  });

  it('fails the chunk when the store went away before learning; goes on (counted) after a script error', async () => {
    let error: Error | null = new WardenError('WARDEN_STORE_UNAVAILABLE', 'redis away', { retriable: true });
    const { deps, metrics, store } = setup({ storeError: () => error });
    await expect(runChunk(records(routine(1)), deps)).rejects.toMatchObject({ code: 'WARDEN_STORE_UNAVAILABLE' });
    error = new WardenError('WARDEN_STORE_SCRIPT', 'the script failed');
    await expect(runChunk(records(routine(1)), deps)).resolves.toBeDefined();
    expect(await store.get('svc-deployer')).toBeNull();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/warden_store_errors_total\{kind="unavailable"\} 1/);
    expect(text).toMatch(/warden_store_errors_total\{kind="script"\} 1/);
  });

  it('splits each event\'s lag: until its chunk began (pickup), and until its decision was acknowledged (end to end)', async () => {
    const { deps, metrics } = setup();
    // The records were appended 40 ms before the chunk began; the produce is acknowledged 30 ms later.
    let clock = START;
    const events = routine(2);
    const chunk = records(events).map((r) => ({ ...r, timestamp: String(START - 40) }));
    const producer = deps.producer;
    await runChunk(chunk, {
      ...deps,
      now: () => clock,
      producer: {
        sendBatch: async (batch: Parameters<typeof producer.sendBatch>[0]) => {
          clock = START + 30;
          return producer.sendBatch(batch);
        },
      },
    });
    const text = await metrics.registry.metrics();
    const sum = (name: string): number => Number(new RegExp(`^${name}_sum ([\\d.e+-]+)$`, 'm').exec(text)?.[1]);
    const count = (name: string): number => Number(new RegExp(`^${name}_count (\\d+)$`, 'm').exec(text)?.[1]);
    expect(count('warden_pickup_lag_seconds')).toBe(events.length);
    expect(count('warden_end_to_end_lag_seconds')).toBe(events.length);
    expect(sum('warden_pickup_lag_seconds') / events.length).toBeCloseTo(0.04, 6);
    expect(sum('warden_end_to_end_lag_seconds') / events.length).toBeCloseTo(0.07, 6);
  });
});
