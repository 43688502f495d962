/**
 * Turns one message of the approvals topic into a trusted ApprovalRecord, or says why it is not
 * one. Nothing reaches an approvals table without a valid Ed25519 signature from a configured key:
 * a forged grant would let a blocked identity through.
 */
import type { Verifier } from '../decisions/signing.js';
import { APPROVAL_STATES, APPROVAL_TRANSITIONS, approvalKey } from './record.js';
import type { ApprovalRecord } from './record.js';
import { parseRecordMessage } from '../decisions/record-message.js';

export type ApprovalRejectReason = 'not-json' | 'malformed' | 'key-mismatch' | 'unsigned' | 'bad-signature';

export type ApprovalDecodeResult =
  | { ok: true; record: ApprovalRecord }
  | { ok: false; reason: 'tombstone'; detail: string }
  | { ok: false; reason: ApprovalRejectReason; detail: string };

const isTime = (v: unknown): boolean => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const isStringList = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');

function shapeProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
  const r = value as Record<string, unknown>;
  if (r.kind !== 'warden.approval') return 'kind is not warden.approval';
  if (typeof r.id !== 'string' || r.id === '') return 'id missing';
  if (typeof r.version !== 'number' || !Number.isInteger(r.version) || r.version < 1) return 'version is not a positive integer';
  if (!(APPROVAL_STATES as readonly unknown[]).includes(r.state)) return `state ${String(r.state)} is not an approval state`;
  if (!(APPROVAL_TRANSITIONS as readonly unknown[]).includes(r.transition)) return `transition ${String(r.transition)} is unknown`;
  if (typeof r.identity !== 'string' || r.identity === '') return 'identity missing';
  if (r.tokenId !== undefined && typeof r.tokenId !== 'string') return 'tokenId is not a string';
  if (!isStringList(r.actions) || (r.actions as string[]).length === 0) return 'actions is not a non-empty list of strings';
  if (r.resources !== undefined && !isStringList(r.resources)) return 'resources is not a list of strings';
  if (!isStringList(r.reasons)) return 'reasons is not a list of strings';
  if (r.risk !== null && typeof r.risk !== 'number') return 'risk is neither a number nor null';
  if (typeof r.required !== 'number' || !Number.isInteger(r.required) || r.required < 1) return 'required is not a positive integer';
  if (typeof r.requestedBy !== 'string' || r.requestedBy === '') return 'requestedBy missing';
  if (!isTime(r.requestedAt) || !isTime(r.pendingExpiresAt) || !isTime(r.updatedAt)) return 'requestedAt, pendingExpiresAt or updatedAt is not a time';
  if (typeof r.grantTtlMs !== 'number' || !(r.grantTtlMs > 0)) return 'grantTtlMs is not a positive number';
  if (!Array.isArray(r.approvals) || !r.approvals.every((v: unknown) => typeof v === 'object' && v !== null && typeof (v as { by?: unknown }).by === 'string')) return 'approvals is not a list of votes';
  if (r.state === 'approved' && (!isTime(r.grantedAt) || !isTime(r.grantExpiresAt))) return 'an approved record needs grantedAt and grantExpiresAt';
  if (r.state === 'approved' && (r.approvals as Array<{ by: string }>).some((v) => v.by === r.requestedBy)) return 'the requester is among the approvers';
  if (r.state === 'approved' && new Set((r.approvals as Array<{ by: string }>).map((v) => v.by)).size < (r.required as number)) return 'approved with fewer distinct approvers than required';
  return null;
}

export function decodeApprovalMessage(key: Buffer | null, value: Buffer | null, verifier: Verifier): ApprovalDecodeResult {
  const read = parseRecordMessage(key, value, shapeProblem);
  if (!read.ok) return read;
  const parsed = read.parsed;
  const record = parsed as ApprovalRecord;
  // Compaction keeps the latest record per key: a record under another key would outlive its own revocation.
  if (key !== null && key.toString('utf8') !== approvalKey(record)) return { ok: false, reason: 'key-mismatch', detail: `key ${key.toString('utf8')} does not match request ${record.id}` };
  const inspection = verifier.inspect(record);
  if (!inspection.valid) {
    return inspection.status === 'unsigned'
      ? { ok: false, reason: 'unsigned', detail: 'unsigned' }
      : { ok: false, reason: 'bad-signature', detail: `signature ${inspection.status}${inspection.keyId ? ` (key ${inspection.keyId})` : ''}` };
  }
  return { ok: true, record };
}
