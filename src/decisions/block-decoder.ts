/**
 * Turns one message of the blocks topic into a trusted BlockRecord, or says why it is not one.
 * Nothing reaches the block table without a valid Ed25519 signature from a configured key.
 */
import { blockKey } from './block-record.js';
import type { BlockRecord } from './block-record.js';
import type { Verifier } from './signing.js';
import { parseRecordMessage } from './record-message.js';

export type DecodeResult =
  | { ok: true; record: BlockRecord }
  | { ok: false; reason: 'tombstone' | 'not-json' | 'malformed' | 'bad-signature' | 'key-mismatch'; detail: string };

function isOptionalString(v: unknown): boolean {
  return v === undefined || typeof v === 'string';
}

function shapeProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
  const r = value as Record<string, unknown>;
  if (typeof r.identity !== 'string' || r.identity === '') return 'identity missing';
  if (r.state !== 'block' && r.state !== 'lift') return 'state is neither block nor lift';
  if (!isOptionalString(r.tokenId)) return 'tokenId is not a string';
  if (typeof r.reason !== 'string') return 'reason missing';
  if (r.decisionId !== null && typeof r.decisionId !== 'string') return 'decisionId is neither a string nor null';
  if (typeof r.source !== 'string') return 'source missing';
  if (typeof r.createdAt !== 'string' || Number.isNaN(Date.parse(r.createdAt))) return 'createdAt is not a time';
  if (r.expiresAt !== null && (typeof r.expiresAt !== 'string' || Number.isNaN(Date.parse(r.expiresAt)))) return 'expiresAt is neither a time nor null';
  if (r.actions !== undefined && (!Array.isArray(r.actions) || !r.actions.every((a) => typeof a === 'string'))) return 'actions is not a list of strings';
  return null;
}

/**
 * The record a message carries, shape-checked but not verified: for readers to whom a forged
 * record can do no harm (the pipeline only learns from lifts that it may publish a block again).
 */
export function parseBlockMessage(key: Buffer | null, value: Buffer | null): DecodeResult {
  const read = parseRecordMessage(key, value, shapeProblem);
  if (!read.ok) return read;
  const parsed = read.parsed;
  const record = parsed as BlockRecord;
  // Compaction works on the key: a record filed under another key would survive a later lift of
  // its own key, so the two must agree.
  const expected = blockKey(record.identity, record.tokenId);
  if (key !== null && key.toString('utf8') !== expected) {
    return { ok: false, reason: 'key-mismatch', detail: `key ${key.toString('utf8')} does not match record ${expected}` };
  }
  return { ok: true, record };
}

export function decodeBlockMessage(key: Buffer | null, value: Buffer | null, verifier: Verifier): DecodeResult {
  const parsed = parseBlockMessage(key, value);
  if (!parsed.ok) return parsed;
  const { record } = parsed;
  if (!verifier.verify(record)) {
    return { ok: false, reason: 'bad-signature', detail: record.sig ? `signature does not verify (${record.sig.split(':').slice(0, 2).join(':')})` : 'unsigned' };
  }
  return parsed;
}
