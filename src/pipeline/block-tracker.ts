/**
 * Turns block decisions into records for the compacted blocks topic. A burst of block decisions
 * for one identity yields one record, renewed only when the block would otherwise run out within
 * half its TTL, so the topic carries state changes, not a copy of the decision stream.
 */
import { blockKey } from '../decisions/block-record.js';
import type { BlockRecord } from '../decisions/block-record.js';
import type { Decision } from '../decisions/decision.js';

export interface BlockTrackerOptions {
  ttlSeconds: number;
  scope: 'identity' | 'token';
}

export class BlockTracker {
  /** key → expiry (ms) of the last block record this instance published. */
  private readonly published = new Map<string, number>();

  constructor(private readonly options: BlockTrackerOptions) {}

  /** The block record a decision calls for, or null (not a block, or already published). */
  recordFor(decision: Decision, tokenId: string | undefined, nowMs: number): BlockRecord | null {
    if (decision.verdict !== 'block' || decision.mode !== 'enforce') return null;
    const token = this.options.scope === 'token' ? tokenId : undefined;
    const key = blockKey(decision.identity, token);
    const ttlMs = this.options.ttlSeconds * 1000;
    const previous = this.published.get(key);
    if (previous !== undefined && previous - nowMs > ttlMs / 2) return null;
    const expiresAt = nowMs + ttlMs;
    this.published.set(key, expiresAt);
    if (this.published.size > 100_000) this.evictExpired(nowMs);
    const top = decision.reasons.slice(0, 3).map((r) => r.code).join(', ');
    return {
      identity: decision.identity,
      ...(token ? { tokenId: token } : {}),
      state: 'block',
      reason: `risk ${decision.score}: ${top || 'policy'}`,
      decisionId: decision.decisionId,
      source: 'warden',
      createdAt: new Date(nowMs).toISOString(),
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }

  /** Forget a block lifted by an operator so the next block decision publishes again. */
  forget(identity: string, tokenId?: string): void {
    this.published.delete(blockKey(identity, tokenId));
  }

  private evictExpired(nowMs: number): void {
    for (const [key, expiry] of this.published) if (expiry <= nowMs) this.published.delete(key);
  }
}
