/**
 * The allow-batch record (`decisions.allow: compact` and `none`, docs/operations.md "Decision
 * records"): the plain allows of one processed batch of one source partition in ONE record,
 * signed once (`ed25519:<keyId>:<base64>` over its canonical JSON without `sig`), keyed by the
 * source partition (`audit:3`) so that a partition's allows stay in order in one decisions
 * partition, with the header `warden-record: allow-batch`.
 *
 *   {"columns":["eventId","decisionId","identity","score"],"decided":N,"entries":[["e1","d1","svc-a",3],…],
 *    "first":"e0","full":["<decisionId>",…],"last":"e9","model":null,"omitted":0,"policy":"p1",
 *    "source":"audit:3","type":"warden.allow-batch","v":1,"sig":"ed25519:<keyId>:<b64>"}
 *
 * - `entries`: one row per plain allow, in decision order, values in `columns` order. `policy`
 *   (the policy version) and `model` are factored out when every entry shares them; otherwise
 *   they are columns of their own and absent at the top. The verdict of every entry is `allow`.
 * - `decided`: every decision of the record's range (`first` … `last`, event ids); `full`: the
 *   decision ids of the full records (alerts, blocks, notable allows) of that range, published
 *   on their own with Merkle-batch signatures; `omitted`: plain allows not published
 *   (`decisions.allow: none`, then `entries` is empty). `decided` = entries + full + omitted, so
 *   a reader accounts for every event of the batch.
 * - A batch whose record would exceed `pipeline.maxProduceBytes` is split into records over
 *   consecutive ranges; each accounts for its own range.
 *
 * The record is built with its keys in sorted order and holds only strings, numbers, null and
 * arrays of them: `JSON.stringify` gives its canonical JSON, without `canonicalJson`'s walk.
 */
import { isPlainAllow } from './compact.js';
import type { CompactDecision } from './compact.js';
import type { Decision } from './decision.js';

/** `type` of an allow-batch record. */
export const ALLOW_BATCH_TYPE = 'warden.allow-batch';
/** Value of the `warden-record` header of an allow-batch record. */
export const ALLOW_BATCH_RECORD = 'allow-batch';
/** Header carrying the number of allows an allow-batch record accounts for (entries + omitted). */
export const ALLOWS_HEADER = 'warden-allows';

const SHARED_COLUMNS = ['eventId', 'decisionId', 'identity', 'score'] as const;
const OWN_COLUMNS = ['eventId', 'decisionId', 'identity', 'score', 'policy', 'model'] as const;

export type AllowBatchCell = string | number | null;

export interface AllowBatchRecord {
  columns: string[];
  decided: number;
  entries: AllowBatchCell[][];
  first: string;
  full: string[];
  last: string;
  /** The model version of every entry, when they share it (else a column). */
  model?: string | null;
  omitted: number;
  /** The policy version of every entry, when they share it (else a column). */
  policy?: string;
  /** `<topic>:<partition>` the decided events were read from. */
  source: string;
  type: typeof ALLOW_BATCH_TYPE;
  v: 1;
  sig?: string;
}

export function isAllowBatchRecord(record: object): record is AllowBatchRecord {
  return (record as { type?: unknown }).type === ALLOW_BATCH_TYPE;
}

/**
 * The canonical JSON (without `sig`) of the allow-batch record of `decisions[from, to)`, and the
 * plain allows it accounts for; the caller publishes the full records. `omit`: `decisions.allow: none`.
 */
export function allowBatchJson(decisions: readonly Decision[], from: number, to: number, source: string, omit: boolean): { json: string; allows: number } {
  const full: string[] = [];
  const plain: Decision[] = [];
  for (let i = from; i < to; i++) {
    const d = decisions[i]!;
    if (isPlainAllow(d)) plain.push(d);
    else full.push(d.decisionId);
  }
  let shared = true;
  const policy = plain[0]?.policy.version ?? '';
  const model = plain[0]?.model ?? null;
  for (const d of plain) {
    if (d.policy.version !== policy || d.model !== model) {
      shared = false;
      break;
    }
  }
  const entries: AllowBatchCell[][] = [];
  if (!omit) {
    for (const d of plain) entries.push(shared ? [d.eventId, d.decisionId, d.identity, d.score] : [d.eventId, d.decisionId, d.identity, d.score, d.policy.version, d.model]);
  }
  const first = decisions[from]?.eventId ?? '';
  const last = decisions[to - 1]?.eventId ?? '';
  const omitted = omit ? plain.length : 0;
  // Keys in sorted order (the canonical form); policy and model only when shared.
  const record: AllowBatchRecord =
    shared && entries.length > 0
      ? { columns: [...SHARED_COLUMNS], decided: to - from, entries, first, full, last, model, omitted, policy, source, type: ALLOW_BATCH_TYPE, v: 1 }
      : { columns: entries.length > 0 ? [...OWN_COLUMNS] : [...SHARED_COLUMNS], decided: to - from, entries, first, full, last, omitted, source, type: ALLOW_BATCH_TYPE, v: 1 };
  return { json: JSON.stringify(record), allows: plain.length };
}

/**
 * Why a (signature-checked) allow-batch record is not well formed, or null: counts that do not add
 * up, rows that do not match the columns, an entry without its policy or model version.
 */
export function allowBatchProblem(record: AllowBatchRecord): string | null {
  const { columns, entries, full, decided, omitted } = record;
  if (record.v !== 1) return `unknown allow-batch version ${String(record.v)}`;
  if (!Array.isArray(columns) || !Array.isArray(entries) || !Array.isArray(full)) return 'columns, entries and full must be arrays';
  if (!Number.isSafeInteger(decided) || !Number.isSafeInteger(omitted) || omitted < 0 || decided !== entries.length + full.length + omitted) return 'decided is not entries + full + omitted';
  if (typeof record.source !== 'string' || typeof record.first !== 'string' || typeof record.last !== 'string') return 'source, first and last must be strings';
  for (const name of SHARED_COLUMNS) if (!columns.includes(name)) return `no ${name} column`;
  if (entries.length > 0 && !columns.includes('policy') && typeof record.policy !== 'string') return 'no policy version';
  if (entries.length > 0 && !columns.includes('model') && record.model === undefined) return 'no model version';
  for (const row of entries) if (!Array.isArray(row) || row.length !== columns.length) return 'an entry does not match the columns';
  if (!full.every((id) => typeof id === 'string')) return 'full must list decision ids';
  return null;
}

const RECORD_SIG = /^ed25519:([0-9a-f]{16}):([A-Za-z0-9+/]{22})[A-Za-z0-9+/=]*$/;

/**
 * What an entry's `sig` names: `ed25519-allow-batch:<keyId>:<ref>:<index>`, where `<ref>` is the
 * first 22 characters of the record's base64 signature. It is no signature of its own: a verifier
 * that has checked the record (Verifier.inspect) checks the entry against the record's row.
 */
export function allowBatchRefOf(record: AllowBatchRecord): { keyId: string; ref: string } | null {
  const m = typeof record.sig === 'string' ? RECORD_SIG.exec(record.sig) : null;
  return m ? { keyId: m[1]!, ref: m[2]! } : null;
}

/** The compact decision of entry `index` (keys in canonical order), or null when there is no such row. */
export function allowBatchEntry(record: AllowBatchRecord, index: number): CompactDecision | null {
  const row = record.entries[index];
  if (!Array.isArray(row)) return null;
  const at = (name: string): number => record.columns.indexOf(name);
  const p = at('policy');
  const m = at('model');
  return {
    decisionId: String(row[at('decisionId')]),
    eventId: String(row[at('eventId')]),
    identity: String(row[at('identity')]),
    model: m >= 0 ? ((row[m] ?? null) as string | null) : (record.model ?? null),
    policy: p >= 0 ? String(row[p]) : String(record.policy),
    score: Number(row[at('score')]),
    verdict: 'allow',
  };
}

/**
 * The plain allows an allow-batch record holds, as compact decisions; each names the record in its
 * `sig` (allowBatchRefOf) when the record is signed.
 */
export function allowBatchEntries(record: AllowBatchRecord): CompactDecision[] {
  const named = allowBatchRefOf(record);
  const pointer = named ? `ed25519-allow-batch:${named.keyId}:${named.ref}:` : null;
  const out: CompactDecision[] = [];
  for (let index = 0; index < record.entries.length; index++) {
    const entry = allowBatchEntry(record, index)!;
    if (pointer !== null) entry.sig = pointer + index;
    out.push(entry);
  }
  return out;
}

/** The event ids of an allow-batch record's entries, without building the entries (followers, benchmarks). */
export function allowBatchEventIds(record: AllowBatchRecord): string[] {
  const e = record.columns.indexOf('eventId');
  return record.entries.map((row) => String(row[e]));
}
