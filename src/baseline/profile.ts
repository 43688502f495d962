/**
 * The per-identity behavioural profile. Plain JSON (numbers, strings, arrays, records) so that
 * every store keeps it byte-for-byte the same and `baseline export` can print it.
 */

/** What Warden knows about one value (an action, a /24, a country…) of one identity. */
export interface ValueStats {
  /** Sightings from a legitimate context (the decision was allow). */
  legit: number;
  /** All sightings. */
  n: number;
  /** Event time (ms) of the first and the latest sighting. */
  first: number;
  last: number;
  /** Distinct UTC days the value was seen on, and the latest such day. */
  days: number;
  lastDay: number;
}

/** A bounded map of values of one dimension; the least useful entry is evicted when full. */
export interface ValueMap {
  entries: Record<string, ValueStats>;
  /** Number of entries (kept so that the size check costs nothing per event). */
  size: number;
  /** EWMA of "this observation was a never-seen value": how much this dimension churns lately. */
  newRate: number;
  /**
   * Good–Turing counts over the live entries: values seen exactly once, and all sightings. Their
   * ratio estimates the chance that this identity's next value of the dimension is a new one.
   * Absent in profiles written before they existed (recounted on first use).
   */
  ones?: number;
  obs?: number;
}

export const DIMENSIONS = ['action', 'service', 'resource', 'ip', 'net', 'asn', 'country', 'region', 'ua', 'workload'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** What an hour's totals are kept of: calls, bytes and rows, for reads and for writes. */
export const AGGREGATE_KEYS = ['reads', 'readBytes', 'readRows', 'writes', 'writeBytes', 'writeRows'] as const;
export type AggregateKey = (typeof AGGREGATE_KEYS)[number];
export type HourAggregate = { hour: number; reported?: number } & Record<AggregateKey, number>;

/**
 * An hour's totals, every field present in one order (`reported` undefined until a detector
 * reports the hour). Objects with the same fields in the same order share V8's hidden class; one
 * built `{ hour }` first and filled in later, or given `reported` afterwards, took another, and
 * optimised code meeting a class it was not compiled for is thrown away and compiled again.
 */
export function hourAggregate(hour: number, reads: number, readBytes: number, readRows: number, writes: number, writeBytes: number, writeRows: number, reported: number | undefined): HourAggregate {
  return { hour, reads, readBytes, readRows, writes, writeBytes, writeRows, reported };
}

/** The hourly distributions of a profile (IdentityProfile.hourly), in AGGREGATE_KEYS order (see hourAggregate). */
export function hourlyState(reads: MeanVar, readBytes: MeanVar, readRows: MeanVar, writes: MeanVar, writeBytes: MeanVar, writeRows: MeanVar): Record<AggregateKey, MeanVar> {
  return { reads, readBytes, readRows, writes, writeBytes, writeRows };
}

/** The decayed risk sum of a profile (IdentityProfile.risk), its fields in one order (see hourAggregate). */
export function riskState(acc: number, at: number, mean: number, variance: number, n: number): NonNullable<IdentityProfile['risk']> {
  return { acc, at, mean, var: variance, n };
}

export interface MeanVar {
  mean: number;
  var: number;
  n: number;
}

export interface IdentityProfile {
  v: 1;
  identity: string;
  /** Event time (ms) of the first and latest event. */
  firstSeen: number;
  lastSeen: number;
  events: number;
  maps: Record<Dimension, ValueMap>;
  /** Hour-of-week activity (index 0 = Monday 00:00 UTC), exponentially decayed. */
  hours: number[];
  /** Sum of `hours`, kept alongside so detectors need not add 168 numbers per event. */
  hoursTotal: number;
  hoursDecayedAt: number;
  rate: { window: number; count: number } & MeanVar;
  /** Volume per action (log1p of bytes and rows), bounded to the busiest actions. */
  volume: Record<string, { bytes: MeanVar; rows: MeanVar }>;
  /** EWMA of the share of failed/denied calls. */
  failRate: number;
  /** Event times of recent failures, newest last (bounded). */
  failures: number[];
  /** Run of consecutive denied calls and the time of the latest. */
  deniedRun: number;
  deniedAt: number;
  /** Event times of recent events that introduced a new action/service/resource (bounded). */
  novel: number[];
  /** Previous action, for transition counts. */
  prevAction: string | null;
  /** Count-min sketch (2 rows) of action transitions. */
  transitions: number[];
  /**
   * Latest use of each token: network, ASN, country, region and time (bounded); `src` and `prev`
   * are the source (workload, else network) of the latest two uses and `alt` an EWMA of how often
   * a use returns to the source before last (the token alternates between two sources).
   */
  tokens: Record<string, { net: string | null; asn: string | null; country: string | null; region: string | null; at: number; src?: string | null; prev?: string | null; alt?: number }>;
  /** The current UTC hour's running totals per action class (absent before the first event with this field). */
  hourAgg?: HourAggregate;
  /** EWMA (log1p) of the totals of past active hours, per action class. */
  hourly?: Record<AggregateKey, MeanVar>;
  /** Decayed sum of the risk points of recent events and its usual level (slow-and-low). */
  risk?: { acc: number; at: number } & MeanVar;
  /** Privileged actions seen from a legitimate context. */
  privilegedLegit: number;
  /** Reason codes an operator marked benign, with the event time until which they weigh less. */
  suppressed: Record<string, number>;
  /** The identity that created this one (an IAM role or user, a service account) and when. */
  createdBy?: string;
  createdAt?: number;
  /** Peer profiles only: the first members that taught it (bounded), to tell a group from one identity. */
  members?: string[];
}

export function emptyValueMap(): ValueMap {
  return { entries: {}, size: 0, newRate: 0, ones: 0, obs: 0 };
}

export function emptyProfile(identity: string, sketchWidth: number): IdentityProfile {
  const maps = {} as Record<Dimension, ValueMap>;
  for (const d of DIMENSIONS) maps[d] = emptyValueMap();
  return profileLayout(identity, maps, new Array<number>(168).fill(0), rateState(-1, 0, 0, 0, 0), [], [], new Array<number>(sketchWidth * 2).fill(0));
}

/** The rate section of a profile (IdentityProfile.rate), its fields in one order (see hourAggregate). */
export function rateState(window: number, count: number, mean: number, variance: number, n: number): IdentityProfile['rate'] {
  return { window, count, mean, var: variance, n };
}

/**
 * The one place a profile object is made, for new profiles (emptyProfile) and decoded ones
 * (decodeProfile) alike: the other fields start empty and are assigned. One allocation site gives
 * every profile the same hidden class (see hourAggregate); two literals with the same keys did not,
 * their numbers starting as small integers in one and as doubles in the other.
 */
export function profileLayout(identity: string, maps: Record<Dimension, ValueMap>, hours: number[], rate: IdentityProfile['rate'], failures: number[], novel: number[], transitions: number[]): IdentityProfile {
  const p: IdentityProfile = {
    v: 1,
    identity,
    // Fields that hold times and fractions start as a double (NaN), then get their 0: V8 keeps
    // a field's number representation from its first value, and a field that started as the small
    // integer 0 changed representation (and hidden class) at its first fraction or decoded double.
    firstSeen: Number.NaN,
    lastSeen: Number.NaN,
    events: 0,
    maps,
    hours,
    hoursTotal: Number.NaN,
    hoursDecayedAt: Number.NaN,
    rate,
    volume: {},
    failRate: Number.NaN,
    failures,
    deniedRun: 0,
    deniedAt: Number.NaN,
    novel,
    prevAction: null,
    transitions,
    tokens: {},
    privilegedLegit: Number.NaN,
    suppressed: {},
    // The optional fields too, in the type's order: a profile keeps one hidden class from its
    // first event on.
    hourAgg: undefined,
    hourly: undefined,
    risk: undefined,
    createdBy: undefined,
    createdAt: undefined,
    members: undefined,
  };
  p.firstSeen = 0;
  p.lastSeen = 0;
  p.hoursTotal = 0;
  p.hoursDecayedAt = 0;
  p.failRate = 0;
  p.deniedAt = 0;
  p.privilegedLegit = 0;
  return p;
}

/**
 * What learning changed in a profile since its store last wrote it, as bits: one per value map
 * (`touchedMap`, in `DIMENSIONS` order), the hour histogram and the transition sketch. Only
 * `learnEvent` marks a profile, so a profile without marks (never learned from, or a peer profile,
 * which `learnPeer` changes) counts as wholly changed; a store that writes a profile clears them.
 * The marks cover the sections that cost the most to encode; every other section is always
 * encoded and compared (peer learning, feedback, creation records change those).
 */
const touched = new WeakMap<IdentityProfile, number>();

export const TOUCHED_HOURS = 1 << DIMENSIONS.length;
export const TOUCHED_TRANSITIONS = 1 << (DIMENSIONS.length + 1);

export function touchedMap(dimensionIndex: number): number {
  return 1 << dimensionIndex;
}

export function markTouched(p: IdentityProfile, bits: number): void {
  touched.set(p, (touched.get(p) ?? 0) | bits);
}

/** The marks of the profile, or undefined when learning never marked it (treat it as all changed). */
export function touchedOf(p: IdentityProfile): number | undefined {
  return touched.get(p);
}

export function clearTouched(p: IdentityProfile): void {
  touched.delete(p);
}
