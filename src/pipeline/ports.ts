/**
 * What the live pipeline needs from the stages it drives. The real implementations live in
 * events/ (normalizers), scoring/ (the decider) and baseline/ (the store); the pipeline depends
 * only on these shapes.
 */
import type { RecordOrigin, RejectReason } from '../events/types.js';
import type { WardenEvent } from '../events/event.js';
import type { BaselineStore } from '../baseline/store.js';
import type { Decider } from '../scoring/decider.js';

export type { BatchPosition, DecideOptions, DecidedBatch } from '../scoring/decider.js';

/**
 * Why a record became a dead letter: a normalizer's reject reason (docs/formats.md), or one the
 * pipeline adds (docs/operations.md): `EMPTY_RECORD` (no value, or only whitespace) and
 * `DECIDE_FAILED` (the event normalized but deciding it threw).
 */
export type DeadLetterReason = RejectReason | 'EMPTY_RECORD' | 'DECIDE_FAILED';

/** A record that could not be decided, with everything needed to replay it later. */
export interface DeadLetter {
  reason: DeadLetterReason;
  message: string;
  format: string | null;
  origin: RecordOrigin;
  raw: string;
}

export type RecordNormalizer = (record: string | Uint8Array, origin: RecordOrigin) => { events: WardenEvent[]; rejects: DeadLetter[] };

/** The decider as the pipeline drives it: decisions and profile updates come back as data. */
export type BatchDecider = Pick<Decider, 'decide'>;

/**
 * The store as the pipeline drives it: it stores the updates of a published batch. Given the
 * batch's last source offset, a writer that holds learning may hold them (learning-buffer.ts).
 */
export interface ProfileWriter {
  apply(updates: Parameters<BaselineStore['apply']>[0], partition: string | null, lastOffset?: string): Promise<void>;
}
