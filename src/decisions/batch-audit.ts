/**
 * Checks a stream of verified, batch-signed decisions (a decisions file or a topic dump, read in
 * order) for what a per-record check cannot see: a decision deleted from its batch, a decision
 * seen twice, decisions moved within a batch.
 *
 * Batches are told apart by their signed manifest (batch id, size: manifest.ts), so batches may
 * interleave freely: Kafka interleaves partitions, and the decisions of one batch are spread over
 * partitions by their key (the identity). Order is therefore checked per lane: the records of one
 * batch in one lane must come in increasing leaf order. The lane is the partition when the input
 * says it, else the record's key (its identity, whose decisions always share a partition), or
 * the whole input with `strictOrder`.
 *
 * Pure: no I/O. Memory grows with the decisions seen (one small entry each).
 */
import type { BatchManifest, LeafPosition } from './manifest.js';

/** Where a record was read: its line, its event id, and its lane (see above). */
export interface RecordSite {
  line: number;
  eventId: string;
  lane: string;
}

export type BatchFinding =
  | {
      kind: 'missing';
      batch: BatchManifest;
      seen: number;
      /** Each index never seen, with what the stream tells about it. */
      indexes: MissingLeaf[];
    }
  | { kind: 'duplicate'; batch: BatchManifest; index: number; sites: RecordSite[] }
  | { kind: 'reordered'; batch: BatchManifest; lane: string; moved: Array<{ index: number; site: RecordSite }> };

/** A leaf never seen: its event id when the manifest names it (first, last), and its neighbours. */
export interface MissingLeaf {
  index: number;
  eventId: string | null;
  after: SeenLeaf | null;
  before: SeenLeaf | null;
}

export interface SeenLeaf {
  index: number;
  site: RecordSite;
}

export interface BatchAuditSummary {
  batches: number;
  complete: number;
  findings: BatchFinding[];
}

interface BatchState {
  manifest: BatchManifest;
  /** Sites per leaf index, in the order seen. */
  sites: Map<number, RecordSite[]>;
  /** Leaf indexes per lane, first sighting only, in the order seen. */
  lanes: Map<string, Array<{ index: number; site: RecordSite }>>;
}

/** Positions (in `seq`) of one longest strictly increasing subsequence. O(n log n). */
function longestIncreasing(seq: readonly number[]): Set<number> {
  const tails: number[] = []; // position of the smallest tail of an increasing run of length k+1
  const previous: number[] = new Array<number>(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i++) {
    const v = seq[i] as number;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((seq[tails[mid] as number] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1] as number;
    tails[lo] = i;
  }
  const keep = new Set<number>();
  for (let i = tails.length > 0 ? (tails[tails.length - 1] as number) : -1; i >= 0; i = previous[i] as number) keep.add(i);
  return keep;
}

export class BatchAudit {
  private readonly batches = new Map<string, BatchState>();

  /** Records one verified decision. */
  observe(position: LeafPosition, site: RecordSite): void {
    const { manifest, index } = position;
    // The batch id is a prefix of the root; key and size make a collision between batches moot.
    const key = `${manifest.keyId}:${manifest.batchId}:${manifest.size}`;
    let state = this.batches.get(key);
    if (state === undefined) {
      state = { manifest, sites: new Map(), lanes: new Map() };
      this.batches.set(key, state);
    }
    const sites = state.sites.get(index);
    if (sites !== undefined) {
      sites.push(site);
      return;
    }
    state.sites.set(index, [site]);
    let lane = state.lanes.get(site.lane);
    if (lane === undefined) {
      lane = [];
      state.lanes.set(site.lane, lane);
    }
    lane.push({ index, site });
  }

  /** What the stream shows about every batch seen, once it has all been read. */
  finish(): BatchAuditSummary {
    const findings: BatchFinding[] = [];
    let complete = 0;
    for (const { manifest, sites, lanes } of this.batches.values()) {
      let ok = true;
      if (sites.size < manifest.size) {
        ok = false;
        const indexes: MissingLeaf[] = [];
        let after: SeenLeaf | null = null;
        let gap: number[] = [];
        const flush = (before: SeenLeaf | null): void => {
          for (const index of gap) {
            const eventId = index === 0 ? manifest.firstEventId : index === manifest.size - 1 ? manifest.lastEventId : null;
            indexes.push({ index, eventId, after, before });
          }
          gap = [];
        };
        for (let i = 0; i < manifest.size; i++) {
          const seen = sites.get(i)?.[0];
          if (seen === undefined) gap.push(i);
          else {
            const here = { index: i, site: seen };
            flush(here);
            after = here;
          }
        }
        flush(null);
        findings.push({ kind: 'missing', batch: manifest, seen: sites.size, indexes });
      }
      for (const [index, seen] of sites) {
        if (seen.length > 1) {
          ok = false;
          findings.push({ kind: 'duplicate', batch: manifest, index, sites: seen });
        }
      }
      for (const [lane, observed] of lanes) {
        // In reading order: a record may be observed late (a compact one waits for its manifest).
        const seq = [...observed].sort((a, b) => a.site.line - b.site.line);
        const keep = longestIncreasing(seq.map((s) => s.index));
        if (keep.size === seq.length) continue;
        ok = false;
        findings.push({ kind: 'reordered', batch: manifest, lane, moved: seq.filter((_, i) => !keep.has(i)) });
      }
      if (ok) complete++;
    }
    return { batches: this.batches.size, complete, findings };
  }
}

const at = (site: RecordSite): string => `eventId ${site.eventId} at line ${site.line}`;
const neighbour = (leaf: SeenLeaf): string => `index ${leaf.index} = ${at(leaf.site)}`;

/** One line per problem, naming the batch, the leaf index and the event id. */
export function describeFinding(f: BatchFinding): string[] {
  const name = `batch ${f.batch.batchId} (${f.batch.size} leaves`;
  switch (f.kind) {
    case 'missing':
      return f.indexes.map((m) => {
        const known = m.eventId !== null ? `eventId ${m.eventId}` : 'eventId not in the manifest';
        const context = [m.after ? `after ${neighbour(m.after)}` : null, m.before ? `before ${neighbour(m.before)}` : null].filter((c) => c !== null);
        return `MISSING ${name}, ${f.seen} seen): index ${m.index} (${[known, ...context].join('; ')})`;
      });
    case 'duplicate':
      return [`DUPLICATE ${name}): index ${f.index} seen ${f.sites.length} times (${f.sites.map(at).join('; ')})`];
    case 'reordered':
      return f.moved.map((m) => `REORDERED ${name}): index ${m.index} out of order in ${f.lane} (${at(m.site)})`);
  }
}
