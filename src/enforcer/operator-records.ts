/**
 * Block and lift records made by an operator (`warden block` / `warden unblock`), and their
 * publication, signed, to the compacted blocks topic under the identity (or identity|token) key.
 */
import type { Producer } from 'kafkajs';
import { WardenError } from '../errors.js';
import { blockKey } from '../decisions/block-record.js';
import type { BlockRecord } from '../decisions/block-record.js';
import type { Signer } from '../decisions/signing.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses `90s`, `15m`, `1h`, `2d`, `1w` (or a sum such as `1h30m`) into ms; `never` → null. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'never' || trimmed === 'none') return null;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed !== trimmed) throw new WardenError('WARDEN_USAGE', `cannot read duration "${text}"; use e.g. 90s, 15m, 1h, 2d, 1h30m or never`);
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] ?? ''] ?? 0), 0);
  if (ms <= 0) throw new WardenError('WARDEN_USAGE', `duration "${text}" must be positive`);
  return ms;
}

export interface OperatorBlockInput {
  identity: string;
  tokenId?: string;
  reason: string;
  /** How long the block lasts; null = until lifted. */
  ttlMs: number | null;
  actions?: string[];
  /** Who did it, recorded as `operator:<name>`. */
  operator: string;
  nowMs: number;
}

export function operatorBlockRecord(input: OperatorBlockInput): BlockRecord {
  if (input.identity.includes('|')) throw new WardenError('WARDEN_USAGE', 'an identity cannot contain "|" (it separates identity and token in block keys); use --token');
  return {
    identity: input.identity,
    ...(input.tokenId ? { tokenId: input.tokenId } : {}),
    state: 'block',
    ...(input.actions && input.actions.length > 0 ? { actions: input.actions } : {}),
    reason: input.reason,
    decisionId: null,
    source: `operator:${input.operator}`,
    createdAt: new Date(input.nowMs).toISOString(),
    expiresAt: input.ttlMs === null ? null : new Date(input.nowMs + input.ttlMs).toISOString(),
  };
}

export function operatorLiftRecord(input: Omit<OperatorBlockInput, 'ttlMs' | 'actions'>): BlockRecord {
  return {
    identity: input.identity,
    ...(input.tokenId ? { tokenId: input.tokenId } : {}),
    state: 'lift',
    reason: input.reason,
    decisionId: null,
    source: `operator:${input.operator}`,
    createdAt: new Date(input.nowMs).toISOString(),
    expiresAt: null,
  };
}

/** Signs and publishes records (acks from all in-sync replicas); returns them as published. */
export async function publishBlockRecords(producer: Producer, topic: string, signer: Signer, records: readonly BlockRecord[]): Promise<BlockRecord[]> {
  const signed = records.map((r) => signer.sign(r));
  await producer.send({
    topic,
    acks: -1,
    messages: signed.map((r) => ({ key: blockKey(r.identity, r.tokenId), value: JSON.stringify(r), timestamp: String(Date.parse(r.createdAt)) })),
  });
  return signed;
}
