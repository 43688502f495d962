/**
 * Decision output forms (`decisions.allow`, docs/operations.md "Decision records"):
 *
 * - a **full** record is the whole decision (reasons, owner, action, resource…) with a Merkle-batch
 *   signature and its own inclusion proof: verifiable on its own. Alerts and blocks are always full.
 * - with `compact` (the default), the plain allows of a processed batch go into one **allow-batch
 *   record** (allow-batch.ts): per allow, what a consumer needs to account for it (event id,
 *   decision id, identity, risk, policy and model versions; the verdict is allow), the whole record
 *   signed once, plus the count of the batch's decisions and the ids of its full records.
 * - with `none`, the allow-batch record keeps the accounting without entries (`omitted`).
 *
 * Records written before allow-batches stay readable and verifiable (topic-records.ts, signing.ts):
 * a **compact** record per plain allow (event id, decision id, identity, verdict, risk, policy and
 * model versions, its leaf in `sig`: `ed25519-merkle-leaf:<keyId>:<batchId>:<size>:<index>`), and
 * per Merkle batch a signed **manifest record** listing every leaf hash, which covers them.
 *
 * A plain allow is an allow in force made with the baseline: a shadow-mode allow that would have
 * been an alert or a block (`wouldBe`), a degraded one (made without the store, its reasons
 * say why), one an approval let through (`APPROVED`) and one a Sigma rule matched (`SIGMA:<id>`,
 * informational and low rules weigh nothing) are published in full.
 */
import type { Decision, Verdict } from './decision.js';

export type AllowOutput = 'compact' | 'full' | 'none';

/** Kafka key of manifest records on the decisions topic. */
export const MANIFEST_KEY = 'warden.batch-manifest';
/** `type` of a manifest record. */
export const MANIFEST_TYPE = 'warden.batch-manifest';

/** The compact form of a plain allow (keys in canonical order): an allow-batch entry, or a record written before them. */
export interface CompactDecision {
  decisionId: string;
  eventId: string;
  identity: string;
  model: string | null;
  /** The policy version the decision was made under. */
  policy: string;
  /** The risk score, 0..100. */
  score: number;
  verdict: Verdict;
  sig?: string;
}

/**
 * The signed manifest of one Merkle batch of compact or omitted allows (no longer written; read and verified). `leaves` is the
 * base64url (43 characters, no padding) leaf hash of every published record of the batch, in leaf
 * order, concatenated; `root` their RFC 9162 root (base64url), `batchId` its first 16 hex digits.
 * `decided` = `size` + `omitted`: every event the batch decided is accounted for.
 */
export interface ManifestRecord {
  batchId: string;
  decided: number;
  /** Event id of the batch's first and last decision (published or not). */
  first: string;
  last: string;
  leaves: string;
  /** Plain allows decided but not published (`decisions.allow: none`). */
  omitted: number;
  root: string;
  /** Published records (leaves) in the batch. */
  size: number;
  type: typeof MANIFEST_TYPE;
  sig?: string;
}

/** Characters of one base64url SHA-256 leaf hash. */
export const LEAF_CHARS = 43;

/** Reasons an allow keeps in full even at weight 0: a grant let it through, or a Sigma rule matched. */
function isNotable(code: string): boolean {
  return code === 'APPROVED' || code.startsWith('SIGMA:');
}

export function isPlainAllow(d: Decision): boolean {
  return d.verdict === 'allow' && d.wouldBe === undefined && d.degraded !== true && !d.reasons.some((r) => isNotable(r.code));
}

export function compactDecision(d: Decision): CompactDecision {
  return {
    decisionId: d.decisionId,
    eventId: d.eventId,
    identity: d.identity,
    model: d.model,
    policy: d.policy.version,
    score: d.score,
    verdict: d.verdict,
  };
}

export function isManifestRecord(record: object): record is ManifestRecord {
  return (record as { type?: unknown }).type === MANIFEST_TYPE;
}
