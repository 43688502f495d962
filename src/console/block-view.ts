/**
 * What the console knows of the blocks topic: every record read (bounded history, newest last),
 * and per key the newest validly signed record, the way enforcers apply them. Records that fail
 * the enforcers' checks (signature, shape, key) are kept in the history marked rejected, so an
 * operator sees a forged or broken record instead of it vanishing.
 */
import { blockKey, isBlockActive } from '../decisions/block-record.js';
import type { BlockRecord } from '../decisions/block-record.js';
import type { Verifier } from '../decisions/signing.js';
import { decodeBlockMessage, parseBlockMessage } from '../decisions/block-decoder.js';

export interface BlockHistoryEntry {
  key: string;
  record: BlockRecord | null;
  /** Null when the record was accepted; else why enforcers ignore it. */
  rejected: string | null;
  offset: string;
  partition: number;
}

export class BlockView {
  private readonly current = new Map<string, BlockRecord>();
  private readonly history: BlockHistoryEntry[] = [];
  rejectedCount = 0;

  constructor(
    private readonly verifier: Verifier,
    private readonly maxHistory = 5000,
  ) {}

  take(key: Buffer | null, value: Buffer | null, partition: number, offset: string): void {
    const decoded = decodeBlockMessage(key, value, this.verifier);
    if (!decoded.ok && decoded.reason === 'tombstone') {
      if (key) this.current.delete(key.toString('utf8'));
      return;
    }
    const keyText = key?.toString('utf8') ?? '';
    if (!decoded.ok) {
      this.rejectedCount++;
      const parsed = parseBlockMessage(key, value);
      this.push({ key: keyText, record: parsed.ok ? parsed.record : null, rejected: `${decoded.reason}: ${decoded.detail}`, offset, partition });
      return;
    }
    const record = decoded.record;
    const recordKey = blockKey(record.identity, record.tokenId);
    const previous = this.current.get(recordKey);
    if (previous && Date.parse(previous.createdAt) > Date.parse(record.createdAt)) {
      this.push({ key: recordKey, record, rejected: 'out-of-date: older than the record in force', offset, partition });
      return;
    }
    this.current.set(recordKey, record);
    this.push({ key: recordKey, record, rejected: null, offset, partition });
  }

  private push(entry: BlockHistoryEntry): void {
    this.history.push(entry);
    if (this.history.length > this.maxHistory) this.history.splice(0, this.history.length - this.maxHistory);
  }

  /** Blocks in force at `now`, newest first. */
  active(now: number): BlockRecord[] {
    return [...this.current.values()].filter((r) => isBlockActive(r, now)).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  }

  /** Blocks in force on the identity itself or any of its tokens. */
  activeFor(identity: string, now: number): BlockRecord[] {
    return this.active(now).filter((r) => r.identity === identity);
  }

  /** Newest first. */
  recentHistory(limit: number, identity?: string): BlockHistoryEntry[] {
    const out: BlockHistoryEntry[] = [];
    for (let i = this.history.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.history[i]!;
      if (identity === undefined || e.record?.identity === identity) out.push(e);
    }
    return out;
  }
}
