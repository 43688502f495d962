/**
 * One chunk of one partition through the pipeline, in the order that makes the guarantees hold:
 * normalize → decide → sign/encode → produce (acks=all) → store the profile updates (or hand them
 * to the learning buffer, which holds them up to `pipeline.storeIntervalMs`: learning-buffer.ts).
 * The caller commits the chunk's offsets only after this resolves and its learning is stored. No
 * kafkajs consumer in it: `runner.ts` drives it, the unit tests drive it with a producer stand-in
 * and a memory store.
 *
 * - Learning is stored only once everything the chunk produced is acknowledged, on every path
 *   (the degraded and the narrowed ones too): a decision lost before its ack is made again from
 *   the last commit against the profile it first met.
 * - A produce that fails stores nothing and withdraws the chunk's block records and approval
 *   requests, so the chunk decided again publishes them again.
 * - Storing the learning fails the chunk when the store went away (the chunk is decided again,
 *   the same decisions, rather than committed unlearned); any other store failure would repeat on
 *   every retry, so it is counted, logged, and the stream goes on without that learning.
 */
import type { Producer } from 'kafkajs';
import type { Logger } from '../observability/logger.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import { isStoreUnavailable } from './batch-processor.js';
import type { BatchProcessor, ProcessedBatch, SourceRecord } from './batch-processor.js';
import type { DecisionPublisher } from './decision-publisher.js';
import type { ProfileWriter } from './ports.js';
import type { StageClock } from './stage-clock.js';

export interface ChunkStepDeps {
  processor: BatchProcessor;
  publisher: DecisionPublisher;
  producer: Pick<Producer, 'sendBatch'>;
  store: ProfileWriter;
  clock: StageClock;
  metrics: PipelineMetrics;
  logger: Logger;
  /** Wall clock in ms (end-to-end lag). */
  now: () => number;
}

export async function runChunk(records: readonly SourceRecord[], deps: ChunkStepDeps): Promise<ProcessedBatch> {
  const { processor, publisher, clock, metrics } = deps;
  const started = performance.now();
  const pickedUpAt = deps.now();
  let stage = clock.begin('normalize');
  let processed: ProcessedBatch;
  try {
    const normalized = processor.normalize(records);
    metrics.pickupLagSeconds.observeEach(normalized.producedAt, (ts) => Math.max(0, pickedUpAt - ts) / 1000);
    stage = clock.next(stage, 'decide');
    processed = await processor.decide(normalized);
  } catch (err) {
    clock.end(stage);
    throw err;
  }
  stage = clock.next(stage, 'sign');
  let published = false;
  try {
    const requests = publisher.encode(processed);
    stage = clock.next(stage, 'produce');
    await publisher.send(deps.producer, requests);
    published = true;
  } finally {
    clock.end(stage);
    if (!published) processor.withdraw(processed);
  }
  const ackedAt = deps.now();
  await clock.time('learn', () => learn(processed, records[records.length - 1]?.offset, deps));
  metrics.batchSeconds.observe({ stage: 'total' }, (performance.now() - started) / 1000);
  // End-to-end lag is to the decision's acknowledgement, not to the learning after it.
  metrics.endToEndLagSeconds.observeEach(processed.producedAt, (ts) => Math.max(0, ackedAt - ts) / 1000);
  const formats = new Map<string, number>();
  for (const e of processed.events) formats.set(e.sourceFormat ?? 'unknown', (formats.get(e.sourceFormat ?? 'unknown') ?? 0) + 1);
  const topic = records[0]?.topic ?? '';
  for (const [format, n] of formats) metrics.eventsIn.inc({ topic, format }, n);
  return processed;
}

async function learn(batch: ProcessedBatch, lastOffset: string | undefined, deps: ChunkStepDeps): Promise<void> {
  try {
    // Also with no updates: a writer that holds learning writes what is due.
    await deps.store.apply(batch.updates, batch.partition, lastOffset);
  } catch (err) {
    if (countStoreFailure(err, batch.partition, deps)) throw err;
  }
}

/**
 * Counts a failed write of published learning (`warden_store_errors_total`) and logs one that
 * would fail again on every retry, which the stream goes on without. True when the store went
 * away instead: the caller decides what becomes of the learning.
 */
export function countStoreFailure(err: unknown, partition: string, deps: Pick<ChunkStepDeps, 'metrics' | 'logger'>): boolean {
  const unavailable = isStoreUnavailable(err);
  deps.metrics.storeErrors.inc({ kind: unavailable ? 'unavailable' : 'script' });
  if (!unavailable) deps.logger.error({ err, partition }, 'storing the learning of published batches failed; going on without it');
  return unavailable;
}
