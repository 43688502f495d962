/**
 * Opens approval requests for decisions that an approve-mode policy rule refused
 * (`APPROVAL_REQUIRED`), the way BlockTracker turns block decisions into block records: one
 * request per identity, token and action while it can still be answered, not one per event.
 */
import type { Decision } from '../decisions/decision.js';
import type { ApprovalsConfig } from '../config/sections/approvals.js';
import type { ApprovalRecord } from './record.js';
import { openRequest } from './state.js';

/** Escapes picomatch's special characters, so a recorded action or resource matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]{}()!+@|]/g, '\\$&');
}

export class ApprovalOpener {
  /** identity|token|action → when the request opened for it stops being answerable (ms). */
  private readonly open = new Map<string, number>();
  /** Each request handed out → its key and pending-until, so that `withdraw` can undo it. */
  private readonly handedOut = new WeakMap<ApprovalRecord, { key: string; until: number }>();

  constructor(private readonly config: Pick<ApprovalsConfig, 'required' | 'pendingTtlSeconds'>, private readonly grantTtlMs: number) {}

  /** The request a decision calls for, or null (no approve-mode refusal, or one is already pending). */
  recordFor(decision: Decision, tokenId: string | undefined, nowMs: number): ApprovalRecord | null {
    if (decision.verdict !== 'block' || decision.mode !== 'enforce') return null;
    const needed = decision.reasons.filter((r) => r.code === 'APPROVAL_REQUIRED');
    if (needed.length === 0) return null;
    const key = `${decision.identity}|${tokenId ?? ''}|${decision.action}`;
    if ((this.open.get(key) ?? 0) > nowMs) return null;
    const pendingTtlMs = this.config.pendingTtlSeconds * 1000;
    this.open.set(key, nowMs + pendingTtlMs);
    if (this.open.size > 100_000) for (const [k, until] of this.open) if (until <= nowMs) this.open.delete(k);
    const rule = /^([^:]+):/.exec(needed[0]?.detail ?? '')?.[1];
    const record = openRequest({
      identity: decision.identity,
      ...(tokenId ? { tokenId } : {}),
      actions: [escapeGlob(decision.action)],
      ...(decision.resource !== null ? { resources: [escapeGlob(decision.resource)] } : {}),
      reasons: decision.reasons.filter((r) => r.weight > 0 || r.code === 'APPROVAL_REQUIRED').map((r) => `${r.code}: ${r.detail}`),
      risk: decision.score,
      owner: decision.owner,
      // The pipeline does not hold the inventory's criticality; `warden approvals approve` raises
      // `required` to what the identity's criticality asks for when it reads the inventory.
      criticality: null,
      required: this.config.required.unknown,
      origin: { kind: 'policy', decisionId: decision.decisionId, ...(rule ? { rule } : {}) },
      requestedBy: 'warden',
      grantTtlMs: this.grantTtlMs,
      pendingTtlMs,
      nowMs,
    });
    this.handedOut.set(record, { key, until: nowMs + pendingTtlMs });
    return record;
  }

  /**
   * A request from `recordFor` that was not published after all (the produce failed): its key no
   * longer counts as pending, so the same refusal, decided again from the last commit, opens it
   * again instead of being taken for a request already open.
   */
  withdraw(record: ApprovalRecord): void {
    const origin = this.handedOut.get(record);
    if (origin !== undefined && this.open.get(origin.key) === origin.until) this.open.delete(origin.key);
  }
}
