/** Contracts of the normalizers: where a record came from, why one was rejected, what came out. */
import type { WardenEvent } from './event.js';
import type { PrivilegedMatcher } from './privileged.js';

/** Where a record came from: a file line, or a Kafka topic/partition/offset. */
export interface RecordOrigin {
  file?: string;
  line?: number;
  topic?: string;
  partition?: number;
  offset?: string;
}

/** Stable reasons a record is rejected (documented in docs/formats.md). */
export const REJECT_REASONS = {
  MALFORMED_JSON: 'The record is not valid JSON (and not a pgaudit log line), or not valid UTF-8.',
  TOO_LARGE: 'The record is larger than `events.maxRecordBytes`.',
  TOO_DEEP: 'The JSON nests deeper than `events.maxDepth`.',
  UNKNOWN_FORMAT: 'Auto-detection recognised no format; force one with `--format` or declare a mapping.',
  MISSING_IDENTITY: 'The record names no identity (no user, principal or actor).',
  MISSING_ACTION: 'The record names no action (no event name, verb or method).',
  MISSING_TIME: 'The record has no event time.',
  BAD_TIMESTAMP: 'The event time is present but not a valid time between 1990 and 2200.',
  INVALID_EVENT: 'A native (`warden`) event lacks `id` or has a required field (`id`, `identity`, `identity.id`, `action`) of the wrong type, or a record is not an object.',
} as const;

export type RejectReason = keyof typeof REJECT_REASONS;

export interface Reject {
  reason: RejectReason;
  message: string;
  /** Format the record was read as, null when none could be told. */
  format: string | null;
  origin: RecordOrigin;
  /** The original bytes: utf8 text, or `base64:`-prefixed when they are not valid utf8. */
  raw: string;
}

export interface NormalizeResult {
  /** One record may hold many events (`Records[]`, `EventList`, a JSON array). */
  events: WardenEvent[];
  rejects: Reject[];
  /** Records deliberately skipped as duplicates (Kubernetes stages not in `events.k8sStages`). */
  skipped?: number;
}

/** What a format normalizer needs: precomputed from config once, shared by every record. */
export interface FormatContext {
  privileged: PrivilegedMatcher;
  k8sStages: ReadonlySet<string>;
}

/** Collects a format normalizer's output for one record. */
export interface Sink {
  event(event: WardenEvent, source: unknown): void;
  reject(reason: RejectReason, message: string, element?: unknown): void;
  skip(): void;
}

/** Normalizes one parsed JSON value already known (or forced) to be of this format. */
export type FormatNormalizer = (value: Record<string, unknown>, ctx: FormatContext, sink: Sink) => void;
