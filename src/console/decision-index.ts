/**
 * The console's bounded in-memory view of the decisions topic. Memory is capped by config: the
 * newest `maxDecisions` decisions (for the live page and decision pages), the newest
 * `perIdentityDecisions` per identity, hourly series for a bounded number of hours, and at most
 * `maxIdentities` identities. Counters (totals, per verdict, per identity, per hour) are exact for
 * everything read, so sampling what is shown never changes what is counted.
 */
import type { Decision, Verdict } from '../decisions/decision.js';
import type { Inspection } from '../decisions/signing.js';

export const HOUR_MS = 3_600_000;
/** Hours of series kept per identity and for the fleet (30 days). */
export const SERIES_HOURS = 24 * 30;
const THROUGHPUT_SECONDS = 300;

export interface IndexedDecision {
  decision: Decision;
  /** Order of arrival in this console. */
  seq: number;
  /** Wall-clock time the console read it. */
  receivedAt: number;
  /**
   * The signature check made when the console read it, for a compact allow (an entry of an
   * allow-batch record): its record is verified as it arrives and is not kept, so the entry's
   * check cannot be made again later. Absent for full records, checked when their page is shown.
   */
  signature?: Inspection;
}

export interface HourBucket {
  /** Start of the hour (ms, event time). */
  hour: number;
  events: number;
  alerts: number;
  blocks: number;
  /** Reasons naming a value never seen for the identity (NEW_*). */
  newValues: number;
  maxScore: number;
  /** Bytes and rows the identity's audit events reported (when the console reads the input topics). */
  bytes: number;
  rows: number;
}

export type VerdictCounts = Record<Verdict, number>;

export interface IdentityStats {
  identity: string;
  owner: string | null;
  total: number;
  byVerdict: VerdictCounts;
  /** Event times (ms) of the first and latest decision read. */
  firstEventAt: number;
  lastEventAt: number;
  lastReceivedAt: number;
  /** Ring of the newest decisions, oldest overwritten first. */
  recent: IndexedDecision[];
  recentNext: number;
  /** Hour → bucket, at most SERIES_HOURS of them. */
  hours: Map<number, HourBucket>;
  reasons: Map<string, number>;
}

export interface DecisionFilter {
  verdict?: Verdict;
  identity?: string;
  owner?: string;
  reason?: string;
  source?: string;
}

export interface DecisionIndexOptions {
  maxDecisions: number;
  perIdentityDecisions: number;
  maxIdentities: number;
  /** Clock for throughput, for tests. @defaultValue Date.now */
  now?: () => number;
}

interface VersionSeen {
  count: number;
  lastAt: number;
}

function emptyCounts(): VerdictCounts {
  return { allow: 0, alert: 0, block: 0 };
}

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Keeps a Map of hour → value to the newest `limit` hours (Maps iterate in insertion order; hours mostly arrive in order). */
function trimHours<V>(map: Map<number, V>, limit: number): void {
  if (map.size <= limit) return;
  const hours = [...map.keys()].sort((a, b) => a - b);
  for (const h of hours.slice(0, map.size - limit)) map.delete(h);
}

export class DecisionIndex {
  private readonly ring: Array<IndexedDecision | undefined>;
  private next = 0;
  private seq = 0;
  private readonly byId = new Map<string, IndexedDecision>();
  private readonly identities = new Map<string, IdentityStats>();
  private readonly reasonHours = new Map<number, Map<string, number>>();
  private readonly perSecond = new Float64Array(THROUGHPUT_SECONDS);
  private readonly perSecondAt = new Float64Array(THROUGHPUT_SECONDS);
  private readonly degradedPerSecond = new Float64Array(THROUGHPUT_SECONDS);
  readonly totals = emptyCounts();
  total = 0;
  degradedTotal = 0;
  lastDegradedAt: number | null = null;
  readonly policyVersions = new Map<string, VersionSeen>();
  readonly modelVersions = new Map<string, VersionSeen>();
  private readonly now: () => number;

  constructor(private readonly options: DecisionIndexOptions) {
    this.ring = new Array<IndexedDecision | undefined>(options.maxDecisions);
    this.now = options.now ?? Date.now;
  }

  add(decision: Decision, signature?: Inspection): IndexedDecision {
    const receivedAt = this.now();
    const entry: IndexedDecision = { decision, seq: ++this.seq, receivedAt, ...(signature ? { signature } : {}) };
    const old = this.ring[this.next];
    if (old && this.byId.get(old.decision.decisionId) === old) this.byId.delete(old.decision.decisionId);
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.ring.length;
    this.byId.set(decision.decisionId, entry);

    this.total++;
    this.totals[decision.verdict]++;
    const second = Math.floor(receivedAt / 1000);
    const slot = second % THROUGHPUT_SECONDS;
    if (this.perSecondAt[slot] !== second) {
      this.perSecondAt[slot] = second;
      this.perSecond[slot] = 0;
      this.degradedPerSecond[slot] = 0;
    }
    this.perSecond[slot]!++;
    if (decision.degraded) {
      this.degradedTotal++;
      this.degradedPerSecond[slot]!++;
      this.lastDegradedAt = receivedAt;
    }
    this.seeVersion(this.policyVersions, decision.policy?.version ?? 'none', receivedAt);
    this.seeVersion(this.modelVersions, decision.model ?? 'none', receivedAt);

    const eventAt = Date.parse(decision.eventTime);
    const hour = Number.isFinite(eventAt) ? Math.floor(eventAt / HOUR_MS) * HOUR_MS : Math.floor(receivedAt / HOUR_MS) * HOUR_MS;
    let codes = this.reasonHours.get(hour);
    if (!codes) {
      codes = new Map();
      this.reasonHours.set(hour, codes);
      trimHours(this.reasonHours, SERIES_HOURS);
    }
    for (const r of decision.reasons) bump(codes, r.code);
    this.addToIdentity(entry, Number.isFinite(eventAt) ? eventAt : receivedAt, hour);
    return entry;
  }

  private seeVersion(map: Map<string, VersionSeen>, version: string, at: number): void {
    const seen = map.get(version);
    if (seen) {
      seen.count++;
      seen.lastAt = at;
    } else map.set(version, { count: 1, lastAt: at });
  }

  /** The identity's stats, created when new; moved to the most recently active end (the least recently active is evicted first). */
  private statsFor(identity: string, eventAt: number): IdentityStats {
    let stats = this.identities.get(identity);
    if (stats) this.identities.delete(identity);
    else {
      stats = { identity, owner: null, total: 0, byVerdict: emptyCounts(), firstEventAt: eventAt, lastEventAt: eventAt, lastReceivedAt: 0, recent: [], recentNext: 0, hours: new Map(), reasons: new Map() };
      if (this.identities.size >= this.options.maxIdentities) {
        const oldest = this.identities.keys().next();
        if (!oldest.done) this.identities.delete(oldest.value);
      }
    }
    this.identities.set(identity, stats);
    return stats;
  }

  private bucketFor(stats: IdentityStats, hour: number): HourBucket {
    let bucket = stats.hours.get(hour);
    if (!bucket) {
      bucket = { hour, events: 0, alerts: 0, blocks: 0, newValues: 0, maxScore: 0, bytes: 0, rows: 0 };
      stats.hours.set(hour, bucket);
      trimHours(stats.hours, SERIES_HOURS);
    }
    return bucket;
  }

  /** Adds the bytes and rows an audit event reported to its identity's hour (events are read from the input topics). */
  addVolume(identity: string, eventTime: string, bytes: number, rows: number): void {
    if (!(bytes > 0) && !(rows > 0)) return;
    const eventAt = Date.parse(eventTime);
    if (!Number.isFinite(eventAt)) return;
    const bucket = this.bucketFor(this.statsFor(identity, eventAt), Math.floor(eventAt / HOUR_MS) * HOUR_MS);
    if (bytes > 0) bucket.bytes += bytes;
    if (rows > 0) bucket.rows += rows;
  }

  private addToIdentity(entry: IndexedDecision, eventAt: number, hour: number): void {
    const d = entry.decision;
    const stats = this.statsFor(d.identity, eventAt);
    stats.owner = d.owner ?? stats.owner;
    stats.total++;
    stats.byVerdict[d.verdict]++;
    stats.firstEventAt = stats.total === 1 ? eventAt : Math.min(stats.firstEventAt, eventAt);
    stats.lastEventAt = stats.total === 1 ? eventAt : Math.max(stats.lastEventAt, eventAt);
    stats.lastReceivedAt = entry.receivedAt;
    if (stats.recent.length < this.options.perIdentityDecisions) stats.recent.push(entry);
    else stats.recent[stats.recentNext] = entry;
    stats.recentNext = (stats.recentNext + 1) % this.options.perIdentityDecisions;
    const bucket = this.bucketFor(stats, hour);
    bucket.events++;
    if (d.verdict === 'alert') bucket.alerts++;
    else if (d.verdict === 'block') bucket.blocks++;
    bucket.maxScore = Math.max(bucket.maxScore, d.score);
    for (const r of d.reasons) {
      bump(stats.reasons, r.code);
      if (r.code.startsWith('NEW_')) bucket.newValues++;
    }
  }

  get(decisionId: string): IndexedDecision | null {
    return this.byId.get(decisionId) ?? null;
  }

  identity(id: string): IdentityStats | null {
    return this.identities.get(id) ?? null;
  }

  allIdentities(): IterableIterator<IdentityStats> {
    return this.identities.values();
  }

  /** The identity's kept decisions, newest first. */
  recentOf(stats: IdentityStats, limit = Infinity): IndexedDecision[] {
    const n = stats.recent.length;
    const out: IndexedDecision[] = [];
    // recentNext points at the oldest once the ring is full; walk back from the newest.
    for (let i = 1; i <= n && out.length < limit; i++) {
      const e = stats.recent[(stats.recentNext - i + n * 2) % n];
      if (e) out.push(e);
    }
    return out;
  }

  /** Newest first, up to `limit` matches. */
  recent(matches: (d: Decision) => boolean, limit: number): IndexedDecision[] {
    const out: IndexedDecision[] = [];
    const size = this.ring.length;
    for (let i = 1; i <= size && out.length < limit; i++) {
      const e = this.ring[(this.next - i + size) % size];
      if (!e) break;
      if (matches(e.decision)) out.push(e);
    }
    return out;
  }

  /** Decisions per second over the last `seconds` full seconds (wall clock), and the degraded ones. */
  throughput(seconds: number): { perSecond: number; degradedPerSecond: number } {
    const nowSecond = Math.floor(this.now() / 1000);
    let sum = 0;
    let degraded = 0;
    const span = Math.min(seconds, THROUGHPUT_SECONDS - 1);
    for (let s = nowSecond - span; s < nowSecond; s++) {
      const slot = ((s % THROUGHPUT_SECONDS) + THROUGHPUT_SECONDS) % THROUGHPUT_SECONDS;
      if (this.perSecondAt[slot] === s) {
        sum += this.perSecond[slot]!;
        degraded += this.degradedPerSecond[slot]!;
      }
    }
    return { perSecond: sum / span, degradedPerSecond: degraded / span };
  }

  /** Reason code counts per hour, oldest first. */
  reasonSeries(): Array<{ hour: number; codes: Map<string, number> }> {
    return [...this.reasonHours.entries()].sort((a, b) => a[0] - b[0]).map(([hour, codes]) => ({ hour, codes }));
  }

  get kept(): number {
    return this.byId.size;
  }
}

/** A filter as a predicate; `eventSource` gives the searchable source text of a decision's event, if the console has it. */
export function decisionMatcher(filter: DecisionFilter, eventSource: (eventId: string) => string | null): (d: Decision) => boolean {
  const identity = filter.identity?.toLowerCase();
  const owner = filter.owner?.toLowerCase();
  const source = filter.source?.toLowerCase();
  return (d) => {
    if (filter.verdict && d.verdict !== filter.verdict) return false;
    if (identity && !d.identity.toLowerCase().includes(identity)) return false;
    if (owner && !(d.owner ?? '').toLowerCase().includes(owner)) return false;
    if (filter.reason && !d.reasons.some((r) => r.code === filter.reason)) return false;
    if (source) {
      const text = eventSource(d.eventId);
      if (text === null || !text.includes(source)) return false;
    }
    return true;
  };
}
