/**
 * The grants table: every approval request read from the approvals topic, and an index of the
 * grants among them that the block check consults. Pure: records and the time come in, answers go
 * out, so the SDK, the gateway, the decider and unit tests share it without any service.
 *
 * Records apply in version order per request: a record no newer than the one held (a replay of an
 * older signed record, or a second writer racing on the same version) changes nothing.
 */
import type { ApprovalRecord } from './record.js';
import { compileScope } from './scope.js';
import type { ScopeMatcher } from './scope.js';
import { effectiveState } from './state.js';

/** A grant in force, as enforcers report it. */
export interface Grant {
  id: string;
  identity: string;
  tokenId?: string;
  actions: readonly string[];
  resources?: readonly string[];
  approvedBy: readonly string[];
  expiresAt: string;
}

/** What the block check and the decider need of a grants table. */
export interface GrantLookup {
  /** The grant covering this identity, token, action and resource at `nowMs`, or null. */
  grantFor(identity: string, tokenId: string | undefined, action: string | undefined, resource: string | undefined, nowMs: number): Grant | null;
}

interface IndexedGrant {
  grant: Grant;
  expiresAtMs: number;
  scope: ScopeMatcher;
}

export type ApplyOutcome = 'applied' | 'out-of-date';

export class ApprovalTable implements GrantLookup {
  private readonly records = new Map<string, ApprovalRecord>();
  /** identity → request id → grant. */
  private readonly grants = new Map<string, Map<string, IndexedGrant>>();

  get size(): number {
    return this.records.size;
  }

  apply(record: ApprovalRecord): ApplyOutcome {
    const held = this.records.get(record.id);
    if (held !== undefined && held.version >= record.version) return 'out-of-date';
    this.records.set(record.id, record);
    if (held !== undefined) this.grants.get(held.identity)?.delete(held.id);
    if (record.state === 'approved' && record.grantExpiresAt !== undefined) {
      const scope = compileScope({ identity: record.identity, ...(record.tokenId ? { tokenId: record.tokenId } : {}), actions: record.actions, ...(record.resources ? { resources: record.resources } : {}) });
      const grant: Grant = {
        id: record.id,
        identity: record.identity,
        ...(record.tokenId ? { tokenId: record.tokenId } : {}),
        actions: record.actions,
        ...(record.resources ? { resources: record.resources } : {}),
        approvedBy: record.approvals.map((v) => v.by),
        expiresAt: record.grantExpiresAt,
      };
      let byId = this.grants.get(record.identity);
      if (byId === undefined) this.grants.set(record.identity, (byId = new Map()));
      byId.set(record.id, { grant, expiresAtMs: Date.parse(record.grantExpiresAt), scope });
    }
    return 'applied';
  }

  grantFor(identity: string, tokenId: string | undefined, action: string | undefined, resource: string | undefined, nowMs: number): Grant | null {
    const byId = this.grants.get(identity);
    if (byId === undefined) return null;
    for (const entry of byId.values()) {
      if (entry.expiresAtMs <= nowMs) continue;
      if (entry.scope.covers(identity, tokenId, action, resource)) return entry.grant;
    }
    return null;
  }

  /** Grants in force at `nowMs`, soonest expiry first. */
  activeGrants(nowMs: number): Grant[] {
    const out: IndexedGrant[] = [];
    for (const byId of this.grants.values()) for (const g of byId.values()) if (g.expiresAtMs > nowMs) out.push(g);
    return out.sort((a, b) => a.expiresAtMs - b.expiresAtMs || a.grant.id.localeCompare(b.grant.id)).map((g) => g.grant);
  }

  get(id: string): ApprovalRecord | undefined {
    return this.records.get(id);
  }

  /** Every request, newest first, with the state it is in at `nowMs`. */
  list(nowMs: number): Array<{ record: ApprovalRecord; state: ReturnType<typeof effectiveState> }> {
    return [...this.records.values()].sort((a, b) => b.requestedAt.localeCompare(a.requestedAt) || a.id.localeCompare(b.id)).map((record) => ({ record, state: effectiveState(record, nowMs) }));
  }

  /** Drops grants that ran out (the records stay, for `list` and `show`). */
  sweep(nowMs: number): number {
    let dropped = 0;
    for (const [identity, byId] of this.grants) {
      for (const [id, g] of byId) {
        if (g.expiresAtMs > nowMs) continue;
        byId.delete(id);
        dropped++;
      }
      if (byId.size === 0) this.grants.delete(identity);
    }
    return dropped;
  }
}
