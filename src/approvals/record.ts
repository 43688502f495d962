/**
 * Records of the compacted `warden.approvals` topic, keyed by request id: the latest record of a
 * request is its current state. Every transition is a new signed record with `version` one
 * higher; the same records go to `warden.audit`, which keeps the history. See docs/approvals.md.
 */
import type { Signed } from '../decisions/signing.js';

export const APPROVAL_STATES = ['pending', 'approved', 'denied', 'expired', 'cancelled', 'revoked', 'lapsed'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** The transition that produced a record (`open` for the first one). */
export const APPROVAL_TRANSITIONS = ['open', 'approve', 'grant', 'deny', 'cancel', 'expire', 'revoke', 'lapse'] as const;
export type ApprovalTransition = (typeof APPROVAL_TRANSITIONS)[number];

/** What opened the request. */
export interface ApprovalOrigin {
  kind: 'operator' | 'block' | 'policy';
  /** The decision that blocked or needed approval, when one did. */
  decisionId?: string | null;
  /** `policy/rule` of an approve-mode rule. */
  rule?: string;
}

export interface ApprovalVote {
  by: string;
  at: string;
  comment?: string;
}

export interface ApprovalRecord extends Signed {
  kind: 'warden.approval';
  id: string;
  /** 1 for the opening record, one more per transition. */
  version: number;
  state: ApprovalState;
  transition: ApprovalTransition;
  identity: string;
  /** Set when the grant covers one credential only. */
  tokenId?: string;
  /** Action patterns (picomatch globs) the grant covers; requests opened by the pipeline hold the action escaped (itself only). */
  actions: string[];
  /** Resource patterns; absent = any resource. */
  resources?: string[];
  /** Why the request exists: the requester's words, then the block's or the decision's reasons. */
  reasons: string[];
  /** Risk of the decision that led here, 0..100, or null for an operator's request. */
  risk: number | null;
  /** Owner team from the identity inventory, or null for an identity it does not know. */
  owner: string | null;
  criticality: string | null;
  /** Distinct approvers needed (config `approvals.required` for the identity's criticality). */
  required: number;
  origin: ApprovalOrigin;
  requestedBy: string;
  requestedAt: string;
  /** How long the grant lasts once approved, in ms. */
  grantTtlMs: number;
  /** A pending request expires at this time. */
  pendingExpiresAt: string;
  approvals: ApprovalVote[];
  /** Set once approved: the grant's window. */
  grantedAt?: string;
  grantExpiresAt?: string;
  /** Who made this record's transition, when, and what they said. */
  updatedBy: string;
  updatedAt: string;
  comment?: string;
}

/** The Kafka key of an approval record: compaction keeps the latest record per request. */
export function approvalKey(record: Pick<ApprovalRecord, 'id'>): string {
  return record.id;
}

/** States no transition leaves. */
export function isFinal(state: ApprovalState): boolean {
  return state !== 'pending' && state !== 'approved';
}
