/**
 * Everything an enforcer decides about one message of the blocks topic before the table changes,
 * with no Kafka in sight: decode and verify it (block-decoder.ts), then refuse a validly signed
 * record older than one already applied for its key, so replaying an old `lift` cannot undo a
 * newer block. The Kafka-fed Enforcer feeds it; the security tests feed it directly.
 */
import { blockKey } from '../decisions/block-record.js';
import type { Verifier } from '../decisions/signing.js';
import { decodeBlockMessage } from '../decisions/block-decoder.js';
import type { DecodeResult } from '../decisions/block-decoder.js';
import type { BlockTable } from './block-table.js';

export type IntakeResult =
  | { outcome: 'applied'; key: string }
  | { outcome: 'tombstone' }
  | { outcome: 'rejected'; reason: Exclude<Extract<DecodeResult, { ok: false }>['reason'], 'tombstone'>; detail: string }
  | { outcome: 'out-of-date'; key: string; createdAt: string };

/** The verify → key check → replay check → apply step for one enforcer's table. */
export class BlockRecordIntake {
  /** key → createdAt (ms) of the newest record applied. */
  private readonly newest = new Map<string, number>();

  constructor(
    private readonly verifier: Verifier,
    private readonly table: BlockTable,
  ) {}

  /** Takes one topic message (key and value as read); the table changes only on `applied`. */
  take(key: Buffer | null, value: Buffer | null, nowMs: number): IntakeResult {
    const decoded = decodeBlockMessage(key, value, this.verifier);
    if (!decoded.ok) return decoded.reason === 'tombstone' ? { outcome: 'tombstone' } : { outcome: 'rejected', reason: decoded.reason, detail: decoded.detail };
    const record = decoded.record;
    const recordKey = blockKey(record.identity, record.tokenId);
    const createdMs = Date.parse(record.createdAt);
    const newest = this.newest.get(recordKey);
    if (newest !== undefined && createdMs < newest) return { outcome: 'out-of-date', key: recordKey, createdAt: record.createdAt };
    this.newest.set(recordKey, createdMs);
    this.table.apply(record, nowMs);
    return { outcome: 'applied', key: recordKey };
  }
}
