/**
 * What the live pipeline needs from the stages it drives. The real implementations live in
 * events/ (normalizers) and scoring/ (the decider); the pipeline depends only on these shapes.
 */
import type { WardenEvent } from '../events/event.js';
import type { Decision } from '../decisions/decision.js';

export interface KafkaOrigin {
  topic?: string;
  partition?: number;
  offset?: string;
  file?: string;
  line?: number;
}

/** A record that could not be normalized, with everything needed to replay it later. */
export interface DeadLetter {
  reason: string;
  message: string;
  format: string | null;
  origin: KafkaOrigin;
  raw: string;
}

export type RecordNormalizer = (record: string | Uint8Array, origin: KafkaOrigin) => { events: WardenEvent[]; rejects: DeadLetter[] };

export interface BatchPosition {
  /** `<topic>:<partition>`: the baseline store keeps one offset watermark per partition. */
  partition: string;
  /** The source offset of each event, in order (several events may share one record's offset). */
  offsets: string[];
}

export interface DecideOptions {
  /** The baseline store is unavailable: decide on identity, policy and technique knowledge only, honouring failMode. */
  storeUnavailable?: boolean;
}

export interface BatchDecider {
  decideBatch(events: WardenEvent[], position?: BatchPosition, options?: DecideOptions): Promise<Decision[]>;
  /**
   * Decides without storing the learning yet; `learn()` stores it. When a decider has it, the
   * pipeline learns only after the batch's decisions are published.
   */
  decideThenLearn?(events: WardenEvent[], position?: BatchPosition, options?: DecideOptions): Promise<{ decisions: Decision[]; learn(): Promise<void> }>;
}
