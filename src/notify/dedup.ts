/**
 * Deduplication of notifications per identity and top reason within a window of decision time:
 * the first decision of a key is sent, repeats within the window are suppressed and counted, and
 * the next message after the window says how many were suppressed. A more severe verdict than the
 * one last sent for the key (a block after alerts) is never suppressed. Decision time, not the wall
 * clock, so a backlog read after an outage is deduplicated as it happened. Memory is bounded: the
 * least recently seen keys are forgotten first.
 */
import { VERDICT_RANK } from '../decisions/decision.js';
import type { Decision } from '../decisions/decision.js';

export interface DedupVerdict {
  send: boolean;
  /** Repeats suppressed since the last message for this key (sent: to be shown in this message). */
  suppressed: number;
  /** When the first suppressed repeat happened (ISO), when `suppressed` > 0. */
  suppressedSince?: string;
  key: string;
}

interface Entry {
  sentAt: number;
  verdictRank: number;
  suppressed: number;
  firstSuppressedAt: number;
}

/** The reason a decision is about: its heaviest reason's code. */
export function topReasonCode(decision: Pick<Decision, 'reasons'>): string {
  let top: { code: string; weight: number } | undefined;
  for (const r of decision.reasons) if (!top || r.weight > top.weight) top = r;
  return top?.code ?? 'RISK_SCORE';
}

export class Deduplicator {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Decides whether this decision is sent and records it. */
  check(decision: Pick<Decision, 'identity' | 'verdict' | 'reasons' | 'decidedAt' | 'eventTime'>): DedupVerdict {
    const key = `${decision.identity}\u0000${topReasonCode(decision)}`;
    const at = Date.parse(decision.decidedAt);
    const t = Number.isFinite(at) ? at : Date.parse(decision.eventTime);
    const rank = VERDICT_RANK[decision.verdict];
    const entry = this.entries.get(key);
    if (this.windowMs > 0 && entry && Number.isFinite(t) && t - entry.sentAt < this.windowMs && t >= entry.sentAt && rank <= entry.verdictRank) {
      if (entry.suppressed === 0) entry.firstSuppressedAt = t;
      entry.suppressed++;
      this.touch(key, entry);
      return { send: false, suppressed: entry.suppressed, key };
    }
    const suppressed = entry?.suppressed ?? 0;
    const verdict: DedupVerdict = { send: true, suppressed, key };
    if (suppressed > 0 && entry) verdict.suppressedSince = new Date(entry.firstSuppressedAt).toISOString();
    this.touch(key, { sentAt: Number.isFinite(t) ? t : 0, verdictRank: rank, suppressed: 0, firstSuppressedAt: 0 });
    return verdict;
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.entries.size;
  }

  private touch(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
  }
}
