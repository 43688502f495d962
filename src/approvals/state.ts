/**
 * The approval state machine, pure: records and the time come in, the next record (or a
 * WardenError saying why not) goes out.
 *
 *   pending ──approve (enough distinct approvers)──► approved ──revoke──► revoked
 *      │  └─approve (more needed): stays pending          └──TTL passes──► lapsed
 *      ├──deny──► denied
 *      ├──cancel (the requester)──► cancelled
 *      └──pending TTL passes──► expired
 *
 * Expiry and lapse follow from the clock: `effectiveState` reads them off a record whose time has
 * passed even before anyone published the `expire` / `lapse` record (`overdueRecord` makes it).
 */
import { randomBytes } from 'node:crypto';
import { WardenError } from '../errors.js';
import type { ApprovalOrigin, ApprovalRecord, ApprovalState, ApprovalTransition } from './record.js';
import { canonicalActionPattern, compileScope } from './scope.js';

export interface OpenRequestInput {
  identity: string;
  tokenId?: string;
  actions: readonly string[];
  resources?: readonly string[];
  reasons: readonly string[];
  risk: number | null;
  owner: string | null;
  criticality: string | null;
  required: number;
  origin: ApprovalOrigin;
  requestedBy: string;
  grantTtlMs: number;
  pendingTtlMs: number;
  nowMs: number;
  /** For tests; a random `apr-` id otherwise. */
  id?: string;
}

export function newApprovalId(): string {
  return `apr-${randomBytes(8).toString('hex')}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function openRequest(input: OpenRequestInput): ApprovalRecord {
  if (input.identity.trim() === '') throw new WardenError('WARDEN_USAGE', 'an approval request needs an identity (--identity)');
  if (input.requestedBy.trim() === '') throw new WardenError('WARDEN_USAGE', 'an approval request needs a requester (--as or WARDEN_OPERATOR)');
  if (input.reasons.length === 0 || input.reasons.every((r) => r.trim() === '')) throw new WardenError('WARDEN_USAGE', 'an approval request must say why (--reason)');
  if (!(input.grantTtlMs > 0)) throw new WardenError('WARDEN_USAGE', 'a grant needs a positive lifetime (--ttl)');
  if (!Number.isInteger(input.required) || input.required < 1) throw new WardenError('WARDEN_USAGE', `required approvals must be a positive integer, got ${input.required}`);
  const actions = input.actions.map(canonicalActionPattern);
  const resources = input.resources && input.resources.length > 0 ? [...input.resources] : undefined;
  // Refuse patterns picomatch cannot read now, not when an enforcer meets them.
  compileScope({ identity: input.identity, actions, ...(resources ? { resources } : {}) });
  const now = iso(input.nowMs);
  return {
    kind: 'warden.approval',
    id: input.id ?? newApprovalId(),
    version: 1,
    state: 'pending',
    transition: 'open',
    identity: input.identity,
    ...(input.tokenId ? { tokenId: input.tokenId } : {}),
    actions,
    ...(resources ? { resources } : {}),
    reasons: input.reasons.filter((r) => r.trim() !== ''),
    risk: input.risk,
    owner: input.owner,
    criticality: input.criticality,
    required: input.required,
    origin: input.origin,
    requestedBy: input.requestedBy,
    requestedAt: now,
    grantTtlMs: input.grantTtlMs,
    pendingExpiresAt: iso(input.nowMs + input.pendingTtlMs),
    approvals: [],
    updatedBy: input.requestedBy,
    updatedAt: now,
  };
}

/** The state a record is in at `nowMs`: a pending request past its TTL is expired, a grant past its TTL lapsed. */
export function effectiveState(record: ApprovalRecord, nowMs: number): ApprovalState {
  if (record.state === 'pending' && Date.parse(record.pendingExpiresAt) <= nowMs) return 'expired';
  if (record.state === 'approved' && record.grantExpiresAt !== undefined && Date.parse(record.grantExpiresAt) <= nowMs) return 'lapsed';
  return record.state;
}

/** Whether the record is a grant in force at `nowMs`. */
export function grantInForce(record: ApprovalRecord, nowMs: number): boolean {
  return effectiveState(record, nowMs) === 'approved';
}

function next(record: ApprovalRecord, state: ApprovalState, transition: ApprovalTransition, by: string, nowMs: number, comment: string | undefined, extra: Partial<ApprovalRecord> = {}): ApprovalRecord {
  const { sig: _sig, comment: _previous, ...rest } = record;
  return {
    ...rest,
    ...extra,
    version: record.version + 1,
    state,
    transition,
    updatedBy: by,
    updatedAt: iso(nowMs),
    ...(comment !== undefined && comment.trim() !== '' ? { comment } : {}),
  };
}

function refuse(record: ApprovalRecord, nowMs: number, what: string): never {
  const state = effectiveState(record, nowMs);
  const hint =
    state === 'expired'
      ? 'the request expired unanswered; open a new one with `warden approvals request`'
      : state === 'lapsed'
        ? 'the grant has run out; open a new request'
        : undefined;
  throw new WardenError('WARDEN_APPROVAL_STATE', `cannot ${what} ${record.id}: it is ${state}`, hint ? { hint } : {});
}

/** What the inventory says now: `required` only ever rises above the request's own. */
export interface ApprovalBar {
  required: number;
  criticality: string | null;
}

/**
 * One approver's approval. The request becomes a grant once `required` distinct approvers agreed
 * (the larger of the request's and `bar`'s, when given).
 */
export function approve(record: ApprovalRecord, by: string, nowMs: number, comment?: string, bar?: ApprovalBar): ApprovalRecord {
  if (effectiveState(record, nowMs) !== 'pending') refuse(record, nowMs, 'approve');
  if (by === record.requestedBy) {
    throw new WardenError('WARDEN_APPROVAL_SELF', `${by} requested ${record.id} and cannot approve it`, { hint: 'another operator must approve (--as names who approves)' });
  }
  if (record.approvals.some((v) => v.by === by)) {
    throw new WardenError('WARDEN_APPROVAL_DUPLICATE', `${by} has already approved ${record.id}; it needs ${record.required - record.approvals.length} more approver(s)`);
  }
  const approvals = [...record.approvals, { by, at: iso(nowMs), ...(comment ? { comment } : {}) }];
  const required = Math.max(record.required, bar?.required ?? 0);
  // The inventory's criticality is recorded when it raised the bar, or when the request had none.
  const criticality = required > record.required ? (bar?.criticality ?? record.criticality) : (record.criticality ?? bar?.criticality ?? null);
  const raised = { required, criticality };
  if (approvals.length < required) return next(record, 'pending', 'approve', by, nowMs, comment, { approvals, ...raised });
  return next(record, 'approved', 'grant', by, nowMs, comment, { approvals, ...raised, grantedAt: iso(nowMs), grantExpiresAt: iso(nowMs + record.grantTtlMs) });
}

export function deny(record: ApprovalRecord, by: string, nowMs: number, comment?: string): ApprovalRecord {
  if (effectiveState(record, nowMs) !== 'pending') refuse(record, nowMs, 'deny');
  if (by === record.requestedBy) throw new WardenError('WARDEN_APPROVAL_SELF', `${by} requested ${record.id}: withdraw it with \`warden approvals cancel\` instead of denying it`);
  return next(record, 'denied', 'deny', by, nowMs, comment);
}

/** The requester withdraws a pending request. */
export function cancel(record: ApprovalRecord, by: string, nowMs: number, comment?: string): ApprovalRecord {
  if (effectiveState(record, nowMs) !== 'pending') refuse(record, nowMs, 'cancel');
  if (by !== record.requestedBy) throw new WardenError('WARDEN_APPROVAL_STATE', `only ${record.requestedBy}, who requested ${record.id}, can cancel it; deny it instead`);
  return next(record, 'cancelled', 'cancel', by, nowMs, comment);
}

/** Ends a grant before its TTL. Anyone may revoke: taking a permission back is always allowed. */
export function revoke(record: ApprovalRecord, by: string, nowMs: number, comment?: string): ApprovalRecord {
  if (effectiveState(record, nowMs) !== 'approved') refuse(record, nowMs, 'revoke');
  return next(record, 'revoked', 'revoke', by, nowMs, comment);
}

/** The `expire` or `lapse` record a request whose time has passed calls for, or null. */
export function overdueRecord(record: ApprovalRecord, by: string, nowMs: number): ApprovalRecord | null {
  const state = effectiveState(record, nowMs);
  if (state === record.state) return null;
  if (state === 'expired') return next(record, 'expired', 'expire', by, nowMs, undefined);
  return next(record, 'lapsed', 'lapse', by, nowMs, undefined);
}
