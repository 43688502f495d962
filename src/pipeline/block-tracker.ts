/**
 * Turns block decisions into records for the compacted blocks topic. A burst of block decisions
 * for one identity yields one record, renewed only when the block would otherwise run out within
 * half its TTL, so the topic carries state changes, not a copy of the decision stream.
 *
 * The instance also reads the blocks topic (`observe`): a lift, by an operator or anyone, makes the
 * next block decision for that key publish again at once, and Warden's own blocks still in force
 * (from before a restart, or from the instance that had the partition before a rebalance) are not
 * published a second time.
 */
import { blockKey } from '../decisions/block-record.js';
import type { BlockRecord } from '../decisions/block-record.js';
import type { Decision } from '../decisions/decision.js';

export interface BlockTrackerOptions {
  ttlSeconds: number;
  scope: 'identity' | 'token';
}

export class BlockTracker {
  /** key → creation and expiry (ms) of the Warden block record in force for the key. */
  private readonly published = new Map<string, { createdAt: number; expiresAt: number }>();

  constructor(private readonly options: BlockTrackerOptions) {}

  /** The block record a decision calls for, or null (not a block, or already published). */
  recordFor(decision: Decision, tokenId: string | undefined, nowMs: number): BlockRecord | null {
    if (decision.verdict !== 'block' || decision.mode !== 'enforce') return null;
    const token = this.options.scope === 'token' ? tokenId : undefined;
    const key = blockKey(decision.identity, token);
    const ttlMs = this.options.ttlSeconds * 1000;
    const previous = this.published.get(key);
    if (previous !== undefined && previous.expiresAt - nowMs > ttlMs / 2) return null;
    const expiresAt = nowMs + ttlMs;
    this.published.set(key, { createdAt: nowMs, expiresAt });
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

  /**
   * A record read back from the blocks topic. A lift newer than the block this instance knows of
   * ends it; a Warden block for the whole identity (no action list) newer than what is known counts
   * as published. Older records change nothing, so re-reading the topic is harmless. Returns true
   * when the record was a lift that ended a block in force at `nowMs`.
   */
  observe(record: Pick<BlockRecord, 'identity' | 'tokenId' | 'state' | 'source' | 'actions' | 'createdAt' | 'expiresAt'>, nowMs: number): boolean {
    const key = blockKey(record.identity, record.tokenId);
    const createdAt = Date.parse(record.createdAt);
    if (Number.isNaN(createdAt)) return false;
    const known = this.published.get(key);
    if (known !== undefined && known.createdAt > createdAt) return false;
    if (record.state === 'lift') {
      // Kept as a block that has run out, so an older block read later cannot bring it back.
      this.published.set(key, { createdAt, expiresAt: 0 });
      return known !== undefined && known.expiresAt > nowMs;
    }
    if (record.source !== 'warden' || record.actions !== undefined || record.expiresAt === null) return false;
    const expiresAt = Date.parse(record.expiresAt);
    if (!Number.isNaN(expiresAt)) this.published.set(key, { createdAt, expiresAt });
    return false;
  }

  /**
   * A block record from `recordFor` that was not published after all (the produce failed): the key
   * no longer counts as published, so the next block decision for it publishes a record again.
   */
  withdraw(record: Pick<BlockRecord, 'identity' | 'tokenId' | 'createdAt'>): void {
    const key = blockKey(record.identity, record.tokenId);
    if (this.published.get(key)?.createdAt === Date.parse(record.createdAt)) this.published.delete(key);
  }

  /** Whether this instance counts a Warden block on the key as in force at `nowMs`. */
  inForce(identity: string, tokenId: string | undefined, nowMs: number): boolean {
    return (this.published.get(blockKey(identity, tokenId))?.expiresAt ?? 0) > nowMs;
  }

  private evictExpired(nowMs: number): void {
    for (const [key, { expiresAt }] of this.published) if (expiresAt <= nowMs) this.published.delete(key);
  }
}
