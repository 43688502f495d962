/**
 * The enforcer's in-memory block table, rebuilt from the compacted `warden.blocks` topic. Pure:
 * records and the current time come in, answers and change notices go out, so the same table
 * backs the Kafka-fed SDK, the gateway and unit tests without any service.
 */
import { blockKey } from '../decisions/block-record.js';
import type { BlockRecord } from '../decisions/block-record.js';

/** A block in force, as the table keeps it (expiry parsed once, action patterns compiled once). */
export interface ActiveBlock {
  key: string;
  identity: string;
  tokenId?: string;
  reason: string;
  decisionId: string | null;
  source: string;
  createdAt: string;
  expiresAt: string | null;
  actions?: readonly string[];
  /** Expiry in ms since the epoch; Infinity when the block lasts until lifted. */
  readonly expiresAtMs: number;
  readonly actionMatchers?: readonly RegExp[];
}

/** What changed in the table; the SDK re-emits these as `block`, `lift` and `expire` events. */
export type TableChange =
  | { type: 'block'; block: ActiveBlock }
  | { type: 'lift'; key: string; identity: string; tokenId?: string; reason: string; previous: ActiveBlock | null }
  | { type: 'expire'; block: ActiveBlock };

export interface TableVerdict {
  allowed: boolean;
  block?: ActiveBlock;
}

const ALLOWED: TableVerdict = Object.freeze({ allowed: true });

function literalPattern(text: string): string {
  return text.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
}

/**
 * `*` matches any run of characters; everything else is literal (`iam:*`, `POST /admin/*`). The
 * method of an HTTP action pattern (`get /admin/*`) matches in any case, as HTTP methods are
 * compared by the gateway (which upper-cases them); the path stays case-sensitive.
 */
function compileActionPattern(pattern: string): RegExp {
  const http = /^([A-Za-z]+) (\/.*)$/.exec(pattern);
  if (http) {
    const method = [...(http[1] as string)].map((c) => `[${c.toUpperCase()}${c.toLowerCase()}]`).join('');
    return new RegExp(`^${method} ${literalPattern(http[2] as string)}$`);
  }
  return new RegExp(`^${literalPattern(pattern)}$`);
}

function coversAction(block: ActiveBlock, action: string | undefined): boolean {
  if (!block.actionMatchers) return true;
  // A scoped block with no action to compare against applies: a guardrail errs towards denying.
  if (action === undefined) return true;
  return block.actionMatchers.some((re) => re.test(action));
}

export class BlockTable {
  private readonly entries = new Map<string, ActiveBlock>();

  constructor(private readonly onChange: (change: TableChange) => void = () => undefined) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Applies one verified record in topic order (the latest record per key wins, as compaction
   * keeps it). A block that has already run out is recorded as absent, without a `block` notice.
   */
  apply(record: BlockRecord, nowMs: number): void {
    const key = blockKey(record.identity, record.tokenId);
    const previous = this.entries.get(key) ?? null;
    if (record.state === 'lift') {
      this.entries.delete(key);
      // A lift of nothing (a cold start reading an old block/lift pair) changes nothing.
      if (previous === null) return;
      this.onChange({ type: 'lift', key, identity: record.identity, ...(record.tokenId ? { tokenId: record.tokenId } : {}), reason: record.reason, previous });
      return;
    }
    const expiresAtMs = record.expiresAt === null ? Infinity : Date.parse(record.expiresAt);
    if (!(expiresAtMs > nowMs)) {
      this.entries.delete(key);
      return;
    }
    const actions = record.actions && record.actions.length > 0 ? [...record.actions] : undefined;
    const block: ActiveBlock = {
      key,
      identity: record.identity,
      ...(record.tokenId ? { tokenId: record.tokenId } : {}),
      reason: record.reason,
      decisionId: record.decisionId,
      source: record.source,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      expiresAtMs,
      ...(actions ? { actions, actionMatchers: actions.map(compileActionPattern) } : {}),
    };
    this.entries.set(key, block);
    // Re-reading the same record (a consumer restart re-reads the topic) is not a new block.
    if (previous?.createdAt === block.createdAt && previous.expiresAt === block.expiresAt) return;
    this.onChange({ type: 'block', block });
  }

  /**
   * Whether `identity` (using `tokenId`, doing `action`) is allowed at `nowMs`. A block on the
   * identity covers all its tokens; a block on `identity|token` covers only that credential.
   */
  check(identity: string, tokenId: string | undefined, action: string | undefined, nowMs: number): TableVerdict {
    if (this.entries.size === 0) return ALLOWED;
    const whole = this.live(identity, nowMs);
    if (whole && coversAction(whole, action)) return { allowed: false, block: whole };
    if (tokenId) {
      const token = this.live(`${identity}|${tokenId}`, nowMs);
      if (token && coversAction(token, action)) return { allowed: false, block: token };
    }
    return ALLOWED;
  }

  /** Drops every block that has run out, with an `expire` notice for each. */
  sweep(nowMs: number): number {
    let expired = 0;
    for (const block of this.entries.values()) {
      if (block.expiresAtMs <= nowMs) {
        this.entries.delete(block.key);
        this.onChange({ type: 'expire', block });
        expired++;
      }
    }
    return expired;
  }

  /** Blocks in force at `nowMs`, soonest expiry first. */
  list(nowMs: number): ActiveBlock[] {
    return [...this.entries.values()].filter((b) => b.expiresAtMs > nowMs).sort((a, b) => a.expiresAtMs - b.expiresAtMs || a.key.localeCompare(b.key));
  }

  private live(key: string, nowMs: number): ActiveBlock | undefined {
    const block = this.entries.get(key);
    if (block === undefined) return undefined;
    if (block.expiresAtMs > nowMs) return block;
    this.entries.delete(key);
    this.onChange({ type: 'expire', block });
    return undefined;
  }
}
