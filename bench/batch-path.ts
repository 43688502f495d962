/**
 * The batch path without Kafka or Redis: records → BatchProcessor (normalize, decide against a
 * memory store, block records) → DecisionPublisher.encode (sign, encode) → profile updates
 * applied, in one process, CPU µs per event per stage (`sign`: DecisionPublisher.encode, signing and
 * encoding everything the batch publishes), and what goes to the decisions topic: records and bytes
 * per event. What `warden run` spends beyond the client and the store, without the broker's noise.
 *
 *   npx tsx bench/batch-path.ts [--events 60000] [--batch 1000] [--allow compact] [--cold 10000] [--alloc]
 *
 * `--cold N` measures from a cold start instead (no warm-up): CPU µs per event for each N events,
 * the whole process and its main thread apart. The difference is mostly V8's optimising compiler,
 * which works on background threads while the code warms up (BENCHMARKS.md, "Ninth round").
 *
 * `--alloc` also measures what the measured events allocate on the JavaScript heap, per event and
 * per stage, with the largest allocation sites (V8's sampling heap profiler; the CPU figures of
 * that run include the profiler's cost). Garbage is what the scavenger and the mark-compactor
 * work through, and their pauses are the tail of the live pipeline's latency.
 */
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/load.js';
import { MemoryBaselineStore } from '../src/baseline/store-memory.js';
import type { AllowOutput } from '../src/decisions/compact.js';
import { createSigner, generateKeyPair } from '../src/decisions/signing.js';
import { createNormalizer } from '../src/events/index.js';
import { BatchProcessor } from '../src/pipeline/batch-processor.js';
import { BlockTracker } from '../src/pipeline/block-tracker.js';
import { DecisionPublisher } from '../src/pipeline/decision-publisher.js';
import { createDecider } from '../src/scoring/decider.js';
import { fmt } from './lib/stats.js';
import { profileAllocations } from './lib/allocation-profile.js';
import { batchOf, cpuMicros, mainThreadMicros, simulatorBatchFixture } from './lib/batch-fixture.js';

const { values: args } = parseArgs({ options: { events: { type: 'string', default: '60000' }, batch: { type: 'string', default: '1000' }, allow: { type: 'string', default: 'compact' }, cold: { type: 'string' }, alloc: { type: 'boolean', default: false } } });
const N = Number(args.events);
const BATCH = Number(args.batch);
const ALLOW = String(args.allow) as AllowOutput;

const config = parseConfig(`decisions: { allow: ${ALLOW} }`, 'bench');
const { values, resolver, policy } = simulatorBatchFixture(config, N);
const store = new MemoryBaselineStore();
const decider = createDecider({ config, resolver, policy, store, clock: () => new Date() });
const processor = new BatchProcessor({ normalizers: new Map([['audit', createNormalizer({ format: 'warden', events: config.events })]]), decider, blocks: new BlockTracker(config.blocks) });
const publisher = new DecisionPublisher({ signer: createSigner(generateKeyPair().privateKeyPem, { batchSize: config.signing.batchSize }), topics: config.kafka.topics, allow: config.decisions.allow, maxProduceBytes: config.pipeline.maxProduceBytes });

const cpu = cpuMicros;
const totals = { normalize: 0, decide: 0, sign: 0, learn: 0 };
let bytes = 0;
let records = 0;
/** Allow-batch records (decisions.allow compact and none) among them. */
let batchRecords = 0;
let batchBytes = 0;
async function run(from: number, to: number, count: boolean): Promise<void> {
  for (let i = from; i < to; i += BATCH) {
    const batch = batchOf(values, i, Math.min(to, i + BATCH));
    const t0 = cpu();
    const normalized = processor.normalize(batch);
    const t1 = cpu();
    const processed = await processor.decide(normalized);
    const t2 = cpu();
    const requests = publisher.encode(processed);
    const t3 = cpu();
    await store.apply(processed.updates, processed.partition);
    const t4 = cpu();
    if (processed.deadLetters.length > 0) throw new Error(`dead letters in the benchmark: ${processed.deadLetters[0]!.message}`);
    if (!count) continue;
    totals.normalize += t1 - t0;
    totals.decide += t2 - t1;
    totals.sign += t3 - t2;
    totals.learn += t4 - t3;
    for (const request of requests) for (const { topic, messages } of request) if (topic === config.kafka.topics.decisions) for (const m of messages) {
      const size = Buffer.byteLength(m.value as string);
      records++;
      bytes += size;
      if (m.headers?.['warden-record'] !== undefined) {
        batchRecords++;
        batchBytes += size;
      }
    }
  }
}
if (args.cold !== undefined) {
  const step = Number(args.cold);
  console.log(`batch path from a cold start, batches of ${fmt(BATCH)}, decisions.allow ${ALLOW}, node ${process.version}: CPU µs per event for each ${fmt(step)} events`);
  console.log('events          process  main thread  other threads');
  for (let i = 0; i < N; i += step) {
    const [cpu0, main0] = [cpu(), mainThreadMicros()];
    await run(i, Math.min(N, i + step), false);
    const [whole, main] = [(cpu() - cpu0) / step, (mainThreadMicros() - main0) / step];
    console.log(`${`${fmt(i)}–${fmt(Math.min(N, i + step))}`.padEnd(16)}${fmt(whole, 1).padStart(7)}  ${fmt(main, 1).padStart(11)}  ${fmt(whole - main, 1).padStart(13)}`);
  }
  process.exit(0);
}

// Warm-up on the first fifth (JIT, first profiles), then measure the rest.
const warm = Math.floor(N / 5);
await run(0, warm, false);
const STAGE_OF: Record<string, string> = { 'batch-processor:normalize': 'normalize', 'batch-processor:decide': 'decide', 'decision-publisher:encode': 'sign', 'store-memory:apply': 'learn', 'batch-fixture:batchOf': 'input' };
const allocation = args.alloc
  ? await profileAllocations(
      () => run(warm, N, true),
      // A stage's async functions resume from the microtask queue, below no bench frame: the
      // decider's modules are the decide stage wherever they run.
      (frame) => STAGE_OF[`${/([^/]+)\.[jt]s$/.exec(frame.url)?.[1]}:${frame.functionName}`] ?? (/\/src\/(scoring|baseline)\//.test(frame.url) ? 'decide' : null),
    )
  : (await run(warm, N, true), null);
const n = N - warm;
const stages = Object.entries(totals).map(([stage, micros]) => `${stage} ${fmt(micros / n, 1)}`);
console.log(`batch path (no Kafka, memory store), ${fmt(n)} events measured, batches of ${fmt(BATCH)}, decisions.allow ${ALLOW}, node ${process.version}`);
console.log(`CPU µs per event: ${stages.join(', ')}, total ${fmt(Object.values(totals).reduce((a, b) => a + b, 0) / n, 1)}`);
console.log(
  `decisions topic: ${fmt(records)} records (${fmt(records / n, 4)} per event), ${fmt(bytes / n, 0)} bytes per event, record values; ` +
    `${fmt(records - batchRecords)} full records of ${fmt((bytes - batchBytes) / Math.max(1, records - batchRecords), 0)} B, ${fmt(batchRecords)} allow-batch records of ${fmt(batchBytes / Math.max(1, batchRecords) / 1024, 1)} KiB`,
);
if (allocation) {
  const perEvent = (bytes: number): string => fmt(bytes / n, 0);
  const classes = [...allocation.byClass].sort((a, b) => b[1] - a[1]).map(([stage, bytes]) => `${stage} ${perEvent(bytes)}`);
  console.log(`JavaScript heap allocated, bytes per event (sampled): ${classes.join(', ')}, total ${perEvent(allocation.total)}`);
  console.log('largest allocation sites, bytes per event:');
  for (const [site, bytes] of [...allocation.bySite].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${perEvent(bytes).padStart(6)}  ${site}`);
}
