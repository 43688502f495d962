/**
 * Replay: feeds events through the same decider the live pipeline uses, in batches, with event
 * time. The sink receives decisions in input order; a summary is returned at the end.
 */
import type { Decision, Verdict } from '../decisions/decision.js';
import type { WardenEvent } from '../events/event.js';
import type { Decider } from '../scoring/decider.js';

export interface ReplaySummary {
  events: number;
  verdicts: Record<Verdict, number>;
  /** Identities with the most alert/block decisions. */
  topIdentities: Array<{ identity: string; flagged: number }>;
  /** Reason codes most often carried by alert/block decisions. */
  topReasons: Array<{ code: string; count: number }>;
}

export interface ReplayOptions {
  batchSize?: number;
  onProgress?: (events: number) => void;
}

export async function replayEvents(
  events: AsyncIterable<WardenEvent> | Iterable<WardenEvent>,
  decider: Decider,
  sink: (decisions: readonly Decision[]) => void | Promise<void>,
  options: ReplayOptions = {},
): Promise<ReplaySummary> {
  const batchSize = options.batchSize ?? 1000;
  const verdicts: Record<Verdict, number> = { allow: 0, alert: 0, block: 0 };
  const byIdentity = new Map<string, number>();
  const byReason = new Map<string, number>();
  let count = 0;
  let batch: WardenEvent[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const decisions = await decider.decideBatch(batch);
    for (const d of decisions) {
      const v = d.wouldBe ?? d.verdict;
      verdicts[d.verdict] += 1;
      if (v !== 'allow') {
        byIdentity.set(d.identity, (byIdentity.get(d.identity) ?? 0) + 1);
        for (const r of d.reasons) if (r.weight > 0) byReason.set(r.code, (byReason.get(r.code) ?? 0) + 1);
      }
    }
    await sink(decisions);
    count += batch.length;
    batch = [];
    options.onProgress?.(count);
  };
  for await (const e of events) {
    batch.push(e);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  const top = <K extends string>(m: Map<string, number>, key: K, n: number): Array<Record<K, string> & { n: number }> =>
    [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([k, v]) => ({ [key]: k, n: v }) as Record<K, string> & { n: number });
  return {
    events: count,
    verdicts,
    topIdentities: top(byIdentity, 'identity', 10).map((x) => ({ identity: x.identity, flagged: x.n })),
    topReasons: top(byReason, 'code', 10).map((x) => ({ code: x.code, count: x.n })),
  };
}
