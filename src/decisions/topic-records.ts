/**
 * Reading the decisions topic whatever the record form (compact.ts, allow-batch.ts): a full
 * decision, an allow-batch record (the plain allows of one batch), and the forms written before
 * allow-batches, a compact record per allow and a batch manifest. `decisionEntriesOf` turns one
 * message into the decisions it carries, one entry per event, for every reader (console, demo,
 * tests, benchmarks). No signature check here: pass records to a Verifier for that.
 */
import { allowBatchEntries, ALLOW_BATCH_RECORD, isAllowBatchRecord } from './allow-batch.js';
import type { AllowBatchRecord } from './allow-batch.js';
import { isManifestRecord } from './compact.js';
import type { CompactDecision, ManifestRecord } from './compact.js';
import type { Decision } from './decision.js';

/** A record read from the decisions topic, told apart by its form. */
export type DecisionRecord =
  | { form: 'full'; record: Decision }
  | { form: 'compact'; record: CompactDecision }
  | { form: 'allow-batch'; record: AllowBatchRecord }
  | { form: 'manifest'; record: ManifestRecord };

/** One decided event as a decisions-topic message carries it: a full decision or a compact allow. */
export type DecisionEntry = { form: 'full'; record: Decision } | { form: 'compact'; record: CompactDecision };

/** Message headers as Kafka clients give them (kafkajs `IHeaders`). */
export type RecordHeaders = Readonly<Record<string, unknown>>;

/** Tells the record forms of the decisions topic apart. Null for anything else. */
export function decisionRecordOf(value: unknown): DecisionRecord | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  if (isAllowBatchRecord(value)) return Array.isArray(value.entries) && Array.isArray(value.columns) ? { form: 'allow-batch', record: value } : null;
  if (isManifestRecord(value)) return { form: 'manifest', record: value };
  const r = value as Partial<Decision>;
  if (typeof r.eventId !== 'string' || typeof r.decisionId !== 'string' || typeof r.verdict !== 'string') return null;
  if (Array.isArray(r.reasons)) return { form: 'full', record: value as Decision };
  return typeof (value as { policy?: unknown }).policy === 'string' ? { form: 'compact', record: value as CompactDecision } : null;
}

/** The `warden-record` header of a message ('' when it has none). */
export function recordHeaderOf(headers: RecordHeaders | undefined): string {
  const h = headers?.['warden-record'];
  if (h === undefined || h === null) return '';
  const v = Array.isArray(h) ? (h[0] as unknown) : h;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/** The decisions of a parsed record, one entry per event: none for a manifest, null when it is no decisions record. */
export function entriesOfRecord(parsed: unknown): DecisionEntry[] | null {
  const read = decisionRecordOf(parsed);
  if (read === null) return null;
  switch (read.form) {
    case 'full':
    case 'compact':
      return [read];
    case 'allow-batch':
      return allowBatchEntries(read.record).map((record) => ({ form: 'compact', record }));
    case 'manifest':
      return [];
  }
}

/**
 * The decisions a decisions-topic message carries, one entry per event, in order: a full record
 * gives one full entry, an allow-batch record one compact entry per allow it lists (each naming
 * the record in its `sig`), a compact record written before allow-batches one compact entry, a
 * batch manifest none (told by its header without parsing). Null when the value is absent, not
 * JSON or not a decisions record.
 */
export function decisionEntriesOf(value: Buffer | string | null | undefined, headers?: RecordHeaders): DecisionEntry[] | null {
  const kind = recordHeaderOf(headers);
  if (kind !== '' && kind !== ALLOW_BATCH_RECORD) return [];
  if (value === null || value === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return null;
  }
  return entriesOfRecord(parsed);
}
