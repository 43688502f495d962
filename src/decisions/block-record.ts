/**
 * Records of the compacted `warden.blocks` topic, keyed by `identity` (or `identity|token` for a
 * block on one credential). The latest record per key is the current state: a `block` with an
 * expiry, or a `lift`. Enforcers that start cold read the topic from the beginning.
 */
import type { Signed } from './signing.js';

export type BlockState = 'block' | 'lift';

export interface BlockRecord extends Signed {
  identity: string;
  /** Set when only one credential of the identity is blocked. */
  tokenId?: string;
  state: BlockState;
  /** Actions the block covers; absent = every action. */
  actions?: string[];
  reason: string;
  /** The decision that caused it, or null for an operator action. */
  decisionId: string | null;
  /** `warden` for automatic blocks, `operator:<name>` for manual ones. */
  source: string;
  createdAt: string;
  /** RFC 3339 time after which the block no longer applies; null = until lifted. */
  expiresAt: string | null;
}

/** The Kafka key of a block record: compaction keeps the latest record per identity/token. */
export function blockKey(identity: string, tokenId?: string): string {
  return tokenId ? `${identity}|${tokenId}` : identity;
}

/** Whether a block record is in force at `now` (ms since the epoch). */
export function isBlockActive(record: BlockRecord, now: number): boolean {
  if (record.state !== 'block') return false;
  return record.expiresAt === null || Date.parse(record.expiresAt) > now;
}
