/**
 * The batch algorithm of the live pipeline, with no Kafka in it: records of one partition in,
 * decisions (with their events), block records, dead letters and profile updates out. `warden
 * run` feeds it from kafkajs, the demo's embedded mode from memory, the tests directly.
 *
 * - Every record yields a decision per event it holds or a dead letter: an unknown topic, a record
 *   with no value or only whitespace (`EMPTY_RECORD`), a reject of the normalizer, or an event
 *   the decider throws on (`DECIDE_FAILED`).
 * - A store outage degrades the batch to identity + policy + knowledge (`pipeline.failMode`)
 *   instead of stalling the stream; every later batch tries the store first.
 * - Any other decider failure is narrowed to the events that cause it: each event is tried on its
 *   own, the ones that throw become dead letters, and the others are decided again as one batch,
 *   so their decisions and profile updates are exactly those of the ordinary path.
 * - Nothing is stored here: the caller publishes the decisions, then applies `updates` through the
 *   store port, then commits (learn after publish, on every path).
 */
import type { ApprovalOpener } from '../approvals/opener.js';
import type { ApprovalRecord } from '../approvals/record.js';
import type { ProfileUpdate } from '../baseline/store.js';
import type { BlockRecord } from '../decisions/block-record.js';
import type { Decision } from '../decisions/decision.js';
import { isWardenError } from '../errors.js';
import type { WardenEvent } from '../events/event.js';
import { silentLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import type { BlockTracker } from './block-tracker.js';
import { decideFailure } from './dead-letters.js';
import type { BatchDecider, BatchPosition, DeadLetter, DecidedBatch, RecordNormalizer } from './ports.js';

/** One source record as the consumer read it. */
export interface SourceRecord {
  topic: string;
  partition: number;
  /** Kafka offset (a decimal string: offsets can exceed 2^53). */
  offset: string;
  value: Buffer | null;
  /** The record's Kafka timestamp, ms since the epoch (kafkajs gives a string). */
  timestamp: string | number;
}

/** What one batch of records comes to, ready to publish (decisions, blocks, dead letters) and then learn. */
export interface ProcessedBatch {
  /** `<topic>:<partition>`, the store's watermark partition for `updates`. */
  partition: string;
  decisions: Decision[];
  /** The event of each decision, in the same order. */
  events: WardenEvent[];
  /** Produce timestamp (ms) of each decision's record, in the same order (end-to-end lag). */
  producedAt: number[];
  /** Unsigned block records the decisions call for (BlockTracker: new blocks and renewals only). */
  blocks: BlockRecord[];
  /** Unsigned approval requests opened by approve-mode refusals (docs/approvals.md). */
  approvals: ApprovalRecord[];
  deadLetters: DeadLetter[];
  /** Profile updates to apply through the store port once the batch is published. */
  updates: ProfileUpdate[];
  /** Decided without the baseline store (nothing to learn). */
  degraded: boolean;
}

export interface BatchProcessorDeps {
  /** Normalizer per input topic (the topic's configured format). */
  normalizers: ReadonlyMap<string, RecordNormalizer>;
  decider: BatchDecider;
  blocks: BlockTracker;
  /** Opens an approval request for each new approve-mode refusal; none without it. */
  approvals?: ApprovalOpener;
  logger?: Logger;
  metrics?: PipelineMetrics;
  /** Wall clock in ms, for block expiry. @defaultValue Date.now */
  now?: () => number;
  /** `pipeline.failMode`, for the log line when the store goes away. */
  failMode?: 'open' | 'closed';
  /** The learning held in memory for the decider (learning-buffer.ts): dropped when deciding throws on it. */
  learning?: { taint(partition: string, lastOffset: string): boolean };
}

/** A store failure that a later try can get past: decide without the store meanwhile. */
export function isStoreUnavailable(err: unknown): boolean {
  return isWardenError(err) && (err.code === 'WARDEN_STORE_UNAVAILABLE' || (err.code !== 'WARDEN_STORE_SCRIPT' && err.retriable));
}

/** True for a value with nothing in it but whitespace (Kafka values are bytes; most are JSON text). */
function isBlank(value: Buffer): boolean {
  // Only a value that starts with whitespace, a control or a non-ASCII byte can be blank: ordinary
  // JSON costs one byte look. Unicode spaces and a lone byte-order mark count as blank too.
  const first = value[0];
  if (first === undefined) return true;
  if (first > 0x20 && first < 0x80) return false;
  return value.toString('utf8').trim() === '';
}

/** A batch's records normalized, before deciding. */
export interface NormalizedBatch {
  /** `<topic>:<partition>`. */
  partition: string;
  events: WardenEvent[];
  offsets: string[];
  producedAt: number[];
  deadLetters: DeadLetter[];
}

export class BatchProcessor {
  private readonly log: Logger;
  private readonly now: () => number;
  private degraded = false;

  constructor(private readonly deps: BatchProcessorDeps) {
    this.log = (deps.logger ?? silentLogger).child({ component: 'batch' });
    this.now = deps.now ?? Date.now;
  }

  /** True while the last batch was decided without the store. */
  get isDegraded(): boolean {
    return this.degraded;
  }

  /** Normalizes and decides `records` (all of one topic partition, in offset order). */
  async process(records: readonly SourceRecord[]): Promise<ProcessedBatch> {
    return this.decide(this.normalize(records));
  }

  /** Decides a normalized batch and derives its block records. */
  async decide(normalized: NormalizedBatch): Promise<ProcessedBatch> {
    const { partition } = normalized;
    const decided = await this.decideEvents(normalized, partition);
    const nowMs = this.now();
    const blocks: BlockRecord[] = [];
    const approvals: ApprovalRecord[] = [];
    // Indexed: `entries()` would allocate an iterator result and an [index, decision] pair per event.
    for (let i = 0; i < decided.decisions.length; i++) {
      const decision = decided.decisions[i]!;
      const tokenId = decided.events[i]?.identity.tokenId;
      const block = this.deps.blocks.recordFor(decision, tokenId, nowMs);
      if (block) blocks.push(block);
      const approval = this.deps.approvals?.recordFor(decision, tokenId, nowMs);
      if (approval) approvals.push(approval);
    }
    return { partition, blocks, approvals, ...decided };
  }

  /**
   * Undoes what `decide` derived from a batch whose publishing failed: its block records and
   * approval requests no longer count as published, so the batch, decided again from the last
   * commit, publishes them again.
   */
  withdraw(batch: Pick<ProcessedBatch, 'blocks' | 'approvals'>): void {
    for (const block of batch.blocks) this.deps.blocks.withdraw(block);
    for (const approval of batch.approvals) this.deps.approvals?.withdraw(approval);
  }

  /** Normalizes records; anything that yields no event is a dead letter, so no record is lost. */
  normalize(records: readonly SourceRecord[]): NormalizedBatch {
    const first = records[0];
    const out: NormalizedBatch = { partition: first ? `${first.topic}:${first.partition}` : '', events: [], offsets: [], producedAt: [], deadLetters: [] };
    for (const record of records) {
      const origin = { topic: record.topic, partition: record.partition, offset: record.offset };
      const normalize = this.deps.normalizers.get(record.topic);
      if (!normalize) {
        out.deadLetters.push({ reason: 'UNKNOWN_FORMAT', message: `no normalizer configured for topic ${record.topic}`, format: null, origin, raw: record.value?.toString('utf8') ?? '' });
        continue;
      }
      if (record.value === null || isBlank(record.value)) {
        const what = record.value === null ? 'the record has no value (a tombstone)' : record.value.length === 0 ? 'the record value is empty' : 'the record value is only whitespace';
        out.deadLetters.push({ reason: 'EMPTY_RECORD', message: what, format: null, origin, raw: record.value?.toString('utf8') ?? '' });
        continue;
      }
      const result = normalize(record.value, origin);
      const produced = Number(record.timestamp);
      for (const event of result.events) {
        out.events.push(event);
        out.offsets.push(record.offset);
        out.producedAt.push(produced);
      }
      for (const reject of result.rejects) out.deadLetters.push(reject);
      // A well-formed record can hold no event at all (`{"Records":[]}`, `[]`): not bad input, but counted.
      if (result.events.length === 0 && result.rejects.length === 0) this.deps.metrics?.recordsWithoutEvents.inc({ topic: record.topic });
    }
    return out;
  }

  private async decideEvents(n: NormalizedBatch, partition: string): Promise<Omit<ProcessedBatch, 'partition' | 'blocks' | 'approvals'>> {
    const none = { decisions: [], events: [], producedAt: [], deadLetters: n.deadLetters, updates: [], degraded: false };
    if (n.events.length === 0) return none;
    const position: BatchPosition = { partition, offsets: n.offsets };
    try {
      // While degraded, every batch tries the store first: the first success ends the outage.
      const decided = await this.deps.decider.decide(n.events, position);
      this.setDegraded(false);
      return { ...decided, events: n.events, producedAt: n.producedAt, deadLetters: n.deadLetters, degraded: false };
    } catch (err) {
      if (isStoreUnavailable(err)) return this.decideWithoutStore(n, position, err);
      // The decider may have learned part of the batch into profiles held in memory: they are
      // dropped, and the batch is read again from the last commit, where it meets stored profiles
      // alone and is narrowed down as below.
      if (this.deps.learning?.taint(partition, n.offsets[n.offsets.length - 1]!)) {
        throw new Error(`deciding a batch of ${partition} failed on profiles held in memory; reading it again from the last commit to narrow it down`, { cause: err });
      }
      this.log.error({ err, partition }, 'deciding a batch failed; narrowing it to the events that fail');
    }
    return this.narrow(n, position);
  }

  private async decideWithoutStore(n: NormalizedBatch, position: BatchPosition, cause: unknown): Promise<Omit<ProcessedBatch, 'partition' | 'blocks' | 'approvals'>> {
    this.deps.metrics?.storeErrors.inc({ kind: 'unavailable' });
    this.setDegraded(true, cause);
    const { decisions } = await this.deps.decider.decide(n.events, position, { storeUnavailable: true });
    return { decisions, events: n.events, producedAt: n.producedAt, deadLetters: n.deadLetters, updates: [], degraded: true };
  }

  /**
   * Finds the events the decider throws on by trying each alone (their results are dropped:
   * deciding one event at a time against the stored profiles would not see the earlier events of
   * the batch), dead-letters them, and decides the rest again as one batch. If the rest still
   * fails, they are dead-lettered too: a failure that only shows in company cannot be pinned on
   * one event, and the dead letters keep every event for a replay.
   */
  private async narrow(n: NormalizedBatch, position: BatchPosition): Promise<Omit<ProcessedBatch, 'partition' | 'blocks' | 'approvals'>> {
    const [topic = '', part = '0'] = splitPartition(position.partition);
    const origin = (i: number): { topic: string; partition: number; offset: string | undefined } => ({ topic, partition: Number(part), offset: n.offsets[i] });
    const kept: number[] = [];
    const deadLetters = [...n.deadLetters];
    for (const [i, event] of n.events.entries()) {
      try {
        await this.deps.decider.decide([event], { partition: position.partition, offsets: [n.offsets[i] ?? '0'] });
        kept.push(i);
      } catch (err) {
        if (isStoreUnavailable(err)) return this.decideWithoutStore(n, position, err);
        deadLetters.push(decideFailure(event, err, origin(i)));
      }
    }
    const events = kept.map((i) => n.events[i]!);
    const offsets = kept.map((i) => n.offsets[i]!);
    const producedAt = kept.map((i) => n.producedAt[i]!);
    let decided: DecidedBatch = { decisions: [], updates: [] };
    if (events.length > 0) {
      try {
        decided = await this.deps.decider.decide(events, { partition: position.partition, offsets });
        this.setDegraded(false);
      } catch (err) {
        if (isStoreUnavailable(err)) return this.decideWithoutStore(n, position, err);
        this.log.error({ err, partition: position.partition, events: events.length }, 'the events that decide alone fail together; dead-lettering them');
        for (const [j, event] of events.entries()) deadLetters.push(decideFailure(event, err, origin(kept[j]!)));
        return { decisions: [], events: [], producedAt: [], deadLetters, updates: [], degraded: false };
      }
    }
    return { decisions: decided.decisions, updates: decided.updates, events, producedAt, deadLetters, degraded: false };
  }

  private setDegraded(degraded: boolean, cause?: unknown): void {
    if (degraded === this.degraded) return;
    this.degraded = degraded;
    this.deps.metrics?.degraded.set(degraded ? 1 : 0);
    if (degraded) this.log.error({ err: cause, failMode: this.deps.failMode }, 'baseline store unavailable: deciding without it');
    else this.log.info('baseline store is back');
  }
}

/** `<topic>:<partition>` split at its last colon (topic names cannot hold one, but be safe). */
export function splitPartition(partition: string): [string, string] {
  const at = partition.lastIndexOf(':');
  return at < 0 ? [partition, '0'] : [partition.slice(0, at), partition.slice(at + 1)];
}
