import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import type { LoadedProfile, ProfileUpdate } from '../../../src/baseline/store.js';
import type { Decision } from '../../../src/decisions/decision.js';
import { WardenError } from '../../../src/errors.js';
import { createNormalizer } from '../../../src/events/index.js';
import type { WardenEvent } from '../../../src/events/event.js';
import { BatchProcessor } from '../../../src/pipeline/batch-processor.js';
import type { SourceRecord } from '../../../src/pipeline/batch-processor.js';
import { BlockTracker } from '../../../src/pipeline/block-tracker.js';
import { createPipelineMetrics } from '../../../src/observability/metrics.js';
import type { BatchDecider, RecordNormalizer } from '../../../src/pipeline/ports.js';
import { createDecider } from '../../../src/scoring/decider.js';
import { createEmptyPolicy, createInventoryResolver } from '../../helpers/decision-context.js';
import { DAY, HOUR, START, event, routine } from '../baseline/helpers.js';

const config = parseConfig('{}', 't');
const TOPIC = 'audit';
const normalizers = new Map<string, RecordNormalizer>([[TOPIC, createNormalizer({ format: 'warden', events: config.events })]]);

/** A memory store that can be taken down, as Redis can. */
class FlakyStore extends MemoryBaselineStore {
  down = false;
  override async load(identities: readonly string[], partition: string | null): Promise<Map<string, LoadedProfile>> {
    if (this.down) throw new WardenError('WARDEN_STORE_UNAVAILABLE', 'redis is away', { retriable: true });
    return super.load(identities, partition);
  }
  override async apply(updates: readonly ProfileUpdate[], partition: string | null): Promise<void> {
    if (this.down) throw new WardenError('WARDEN_STORE_UNAVAILABLE', 'redis is away', { retriable: true });
    return super.apply(updates, partition);
  }
}

function setup(wrap: (d: BatchDecider) => BatchDecider = (d) => d) {
  const store = new FlakyStore({ copies: true });
  const decider = createDecider({ config, resolver: createInventoryResolver(null, config), policy: createEmptyPolicy(), store });
  const processor = new BatchProcessor({ normalizers, decider: wrap(decider), blocks: new BlockTracker(config.blocks), now: () => START });
  return { store, decider, processor };
}

let offset = 0;
function records(values: Array<string | Buffer | null>, topic = TOPIC): SourceRecord[] {
  return values.map((v) => ({ topic, partition: 3, offset: String(offset++), value: typeof v === 'string' ? Buffer.from(v) : v, timestamp: '1700000000000' }));
}
const json = (events: WardenEvent[]): string[] => events.map((e) => JSON.stringify(e));

describe('batch processor', () => {
  it('turns every record into a decision per event or a dead letter: empty, blank, tombstone, malformed, unknown topic', async () => {
    const { processor } = setup();
    const good = routine(1).slice(0, 5);
    const input = [...records([...json(good.slice(0, 2)), null, Buffer.alloc(0), ' \n\t\r ', '{"broken', JSON.stringify({ id: 'x', time: good[0]!.time, action: 'a:b' }), ...json(good.slice(2))]), ...records(['{}'], 'elsewhere')];
    const out = await processor.process(input);
    expect(out.partition).toBe(`${TOPIC}:3`);
    expect(out.decisions.map((d) => d.eventId)).toEqual(good.map((e) => e.id));
    expect(out.events.map((e) => e.id)).toEqual(good.map((e) => e.id));
    expect(out.deadLetters.map((d) => d.reason)).toEqual(['EMPTY_RECORD', 'EMPTY_RECORD', 'EMPTY_RECORD', 'MALFORMED_JSON', 'MISSING_IDENTITY', 'UNKNOWN_FORMAT']);
    expect(out.deadLetters[2]).toMatchObject({ message: 'the record value is only whitespace', raw: ' \n\t\r ', origin: { topic: TOPIC, partition: 3, offset: input[4]!.offset } });
    // Every record is accounted for: decided (one event each here) or dead-lettered.
    expect(out.decisions.length + out.deadLetters.length).toBe(input.length);
    expect(out.producedAt.every((t) => t === 1_700_000_000_000)).toBe(true);
  });

  it('counts a well-formed record that holds no event (an empty CloudTrail Records list), so every record is accounted for', async () => {
    const metrics = createPipelineMetrics({ defaultMetrics: false });
    const store = new FlakyStore({ copies: true });
    const decider = createDecider({ config, resolver: createInventoryResolver(null, config), policy: createEmptyPolicy(), store });
    const auto = new Map<string, RecordNormalizer>([[TOPIC, createNormalizer({ format: 'auto', events: config.events })]]);
    const processor = new BatchProcessor({ normalizers: auto, decider, blocks: new BlockTracker(config.blocks), metrics, now: () => START });
    const input = records(['{"Records":[]}', ...json(routine(1).slice(0, 1))]);
    const out = await processor.process(input);
    expect(out.decisions).toHaveLength(1);
    expect(out.deadLetters).toHaveLength(0);
    const counted = (await metrics.recordsWithoutEvents.get()).values.find((v) => v.labels.topic === TOPIC)?.value ?? 0;
    expect(out.decisions.length + out.deadLetters.length + counted).toBe(input.length);
  });

  it('stores nothing itself: its updates, applied after publishing, are what the next batch learns from', async () => {
    const { processor, store } = setup();
    const history = records(json(routine(10)));
    const first = await processor.process(history);
    expect(await store.get('svc-deployer')).toBeNull();
    expect(first.updates.map((u) => u.identity)).toEqual(['svc-deployer']);
    expect(first.updates[0]!.offset).toBe(history[history.length - 1]!.offset);

    // The publish was lost: the batch comes again and is decided exactly as the first time.
    const again = await processor.process(history);
    expect(JSON.stringify(again.decisions)).toBe(JSON.stringify(first.decisions));

    // Published, then learned: the same redelivered batch now meets a profile that learned it and
    // teaches nothing twice (the watermark).
    await store.apply(again.updates, again.partition);
    const stored = await store.get('svc-deployer');
    expect(stored?.events).toBe(history.length);
    const redelivered = await processor.process(history);
    expect(redelivered.decisions.map((d) => d.decisionId)).toEqual(first.decisions.map((d) => d.decisionId));
    await store.apply(redelivered.updates, redelivered.partition);
    expect((await store.get('svc-deployer'))?.events).toBe(history.length);

    // A reference decider that learned through decideBatch agrees on the next event.
    const next = event(START + 11 * DAY + 10 * HOUR);
    const [viaProcessor] = (await processor.process(records(json([next])))).decisions;
    const reference = createDecider({ config, resolver: createInventoryResolver(null, config), policy: createEmptyPolicy(), store: new MemoryBaselineStore() });
    await reference.decideBatch(routine(10).map((e, i) => ({ ...e, id: `ref-${i}` })));
    expect(viaProcessor?.score).toBe((await reference.decideBatch([{ ...next, id: 'ref-next' }]))[0]?.score);
  });

  it('degrades to identity + policy while the store is away, learns nothing, and recovers on the next batch', async () => {
    const { processor, store } = setup();
    store.down = true;
    const out = await processor.process(records(json(routine(1).slice(0, 4))));
    expect(out.degraded).toBe(true);
    expect(processor.isDegraded).toBe(true);
    expect(out.decisions).toHaveLength(4);
    expect(out.decisions.every((d) => d.degraded === true && d.reasons.some((r) => r.code === 'STORE_UNAVAILABLE'))).toBe(true);
    expect(out.updates).toEqual([]);
    store.down = false;
    const back = await processor.process(records(json(routine(1).slice(4, 8))));
    expect(back.degraded).toBe(false);
    expect(processor.isDegraded).toBe(false);
    expect(back.decisions.every((d) => d.degraded === undefined)).toBe(true);
    expect(back.updates.length).toBeGreaterThan(0);
  });

  it('narrows a failing batch to the events that fail; the rest is decided as one batch, updates included', async () => {
    const poison = (d: BatchDecider): BatchDecider => ({
      decide: async (events, position, options) => {
        if (events.some((e) => e.action === 'poison:Pill')) throw new Error('the model cannot score this');
        return d.decide(events, position, options);
      },
    });
    const { processor } = setup(poison);
    const good = routine(2);
    const bad = event(START + 3 * DAY, { action: 'poison:Pill' });
    const input = records(json([...good.slice(0, 10), bad, ...good.slice(10)]));
    const out = await processor.process(input);
    expect(out.deadLetters).toHaveLength(1);
    expect(out.deadLetters[0]).toMatchObject({ reason: 'DECIDE_FAILED', origin: { topic: TOPIC, partition: 3, offset: input[10]!.offset } });
    expect(out.deadLetters[0]!.message).toContain('the model cannot score this');
    expect(JSON.parse(out.deadLetters[0]!.raw)).toMatchObject({ id: bad.id });
    expect(out.decisions.map((d) => d.eventId)).toEqual(good.map((e) => e.id));

    // Exactly what the ordinary path gives for the kept events (decided together, one update).
    const { processor: clean } = setup();
    const reference = await clean.process(input.filter((_, i) => i !== 10));
    expect(JSON.stringify(out.decisions)).toBe(JSON.stringify(reference.decisions));
    expect(out.updates.map((u) => [u.identity, u.offset, u.profile.events])).toEqual(reference.updates.map((u) => [u.identity, u.offset, u.profile.events]));
  });

  it('derives one block record per identity from block decisions (BlockTracker)', async () => {
    const blockIam = (d: BatchDecider): BatchDecider => ({
      decide: async (events, position, options) => {
        const out = await d.decide(events, position, options);
        return { ...out, decisions: out.decisions.map((x): Decision => (x.action.startsWith('iam:') ? { ...x, verdict: 'block', score: 95 } : x)) };
      },
    });
    const { processor } = setup(blockIam);
    const iam = [event(START, { action: 'iam:CreateAccessKey' }), event(START + 1000, { action: 'iam:CreateUser' }), event(START + 2000)];
    const out = await processor.process(records(json(iam)));
    expect(out.blocks).toHaveLength(1);
    expect(out.blocks[0]).toMatchObject({ identity: 'svc-deployer', state: 'block', source: 'warden', decisionId: out.decisions[0]!.decisionId });
    expect((await processor.process(records(json([event(START + 3000, { action: 'iam:DeleteUser' })])))).blocks).toEqual([]);
  });
});
