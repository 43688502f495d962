/** The sections of the profile codec, one encoder and decoder each (see profile-codec.ts). */
import type { AggregateKey, HourAggregate, IdentityProfile, MeanVar, ValueMap, ValueStats } from './profile.js';
import { AGGREGATE_KEYS, hourAggregate, hourlyState, rateState, riskState } from './profile.js';
import type { Writer } from './codec-bytes.js';
import { allIntegers, meanVar, open, ProfileDecodeError, readMeanVar, start } from './codec-bytes.js';

const DAY_MS = 86_400_000;

/** Bounded lists of event times (failures, novel), delta-coded when integral. */
export function encodeTimes(list: readonly number[]): Buffer {
  const w = start();
  writeTimes(w, list);
  return w.done();
}

export function writeTimes(w: Writer, list: readonly number[]): void {
  const delta = allIntegers(list);
  w.uint(delta ? 1 : 0);
  w.uint(list.length);
  let prev = 0;
  for (const t of list) {
    w.num(delta ? t - prev : t);
    prev = t;
  }
}

export function decodeTimes(buf: Buffer): number[] {
  const r = open(buf);
  const delta = r.uint() === 1;
  const n = r.uint();
  // Pushed, not preallocated: a packed array like emptyProfile's `[]` (one elements kind for both).
  const out: number[] = [];
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const v = r.num();
    const t = delta ? prev + v : v;
    out.push(t);
    prev = t;
  }
  r.end();
  return out;
}

export function encodeValueMap(map: ValueMap): Buffer {
  const w = start();
  writeValueMap(w, map);
  return w.done();
}

/**
 * What the last encoding of a value map object wrote, so that the next one copies the bytes of the
 * entries that did not change instead of encoding them again: each entry's key, its numbers and the
 * `first` of the entry before it (its bytes depend on those alone), and where its bytes were.
 * Learning changes a few entries of a map per batch; most of its bytes are the same as last time.
 */
interface MapCache {
  delta: boolean;
  count: number;
  keys: string[];
  /** NUMS per entry: legit, n, days, first, last, lastDay, the previous entry's first. */
  nums: Float64Array;
  /** Where each entry's bytes start in `bytes`, and where the last one ends (count + 1 offsets). */
  starts: Int32Array;
  bytes: Buffer | null;
}

const NUMS = 7;
const mapCaches = new WeakMap<ValueMap, MapCache>();

/** Exactly the same number: -0 is not 0, and NaN never matches (its bits may differ). */
function same(a: number, b: number): boolean {
  return a === b && (a !== 0 || 1 / a === 1 / b);
}

export function writeValueMap(w: Writer, map: ValueMap): void {
  const entries = map.entries;
  // Object.keys gives Object.entries' order; one listing serves both passes, and each entry is
  // looked up once (a lookup in a map of many values costs about as much as encoding the entry).
  const names = Object.keys(entries);
  const count = names.length;
  const stats = new Array<ValueStats>(count);
  let delta = true;
  for (let i = 0; i < count; i++) {
    const e = entries[names[i]!]!;
    stats[i] = e;
    if (delta && (!Number.isSafeInteger(e.first) || !Number.isSafeInteger(e.last) || !Number.isSafeInteger(e.lastDay))) delta = false;
  }
  w.uint((map.ones !== undefined ? 1 : 0) | (map.obs !== undefined ? 2 : 0) | (delta ? 4 : 0));
  w.num(map.newRate);
  w.num(map.size);
  if (map.ones !== undefined) w.num(map.ones);
  if (map.obs !== undefined) w.num(map.obs);
  w.uint(count);

  let c = mapCaches.get(map);
  if (!c) {
    c = { delta, count: 0, keys: [], nums: new Float64Array(0), starts: new Int32Array(0), bytes: null };
    mapCaches.set(map, c);
  }
  const reusable = c.delta === delta && c.bytes !== null ? c.count : 0;
  const old = c.bytes;
  if (c.nums.length < count * NUMS) {
    const nums = new Float64Array(count * NUMS * 2);
    nums.set(c.nums);
    c.nums = nums;
    const starts = new Int32Array(count * 2 + 1);
    starts.set(c.starts);
    c.starts = starts;
  }
  const { keys, nums, starts } = c;
  // Entries keep their order from one encoding to the next: evicted ones drop out and new ones come
  // last (integer-like values first). So each entry is looked for in the last encoding from where
  // the previous one was found (`next`), and an eviction costs the entry after the gap (its delta
  // changes), not every entry after it. The cache is rewritten in place: entry i goes to index i,
  // which the walk has always read already (when it has not, reuse stops for the rest of the map).
  let next = 0;
  // A run of reused bytes [runFrom, runTo) of `old`, copied at once when it ends.
  let runFrom = -1;
  let runTo = -1;
  let prev = 0;
  for (let i = 0; i < count; i++) {
    const value = names[i]!;
    const e = stats[i]!;
    const at = w.length + (runFrom >= 0 ? runTo - runFrom : 0);
    let j = next;
    while (j < reusable && keys[j] !== value) j++;
    const k = j * NUMS;
    if (
      j < reusable &&
      same(nums[k]!, e.legit) &&
      same(nums[k + 1]!, e.n) &&
      same(nums[k + 2]!, e.days) &&
      same(nums[k + 3]!, e.first) &&
      same(nums[k + 4]!, e.last) &&
      same(nums[k + 5]!, e.lastDay) &&
      same(nums[k + 6]!, prev)
    ) {
      const from = starts[j]!;
      const to = starts[j + 1]!;
      if (runFrom >= 0 && runTo === from) runTo = to;
      else {
        if (runFrom >= 0) w.append(old!, runFrom, runTo);
        runFrom = from;
        runTo = to;
      }
      if (j !== i) {
        keys[i] = value;
        for (let x = 0; x < NUMS; x++) nums[i * NUMS + x] = nums[k + x]!;
      }
      next = j + 1;
    } else {
      if (j < reusable) next = j + 1;
      // A new value where an old entry is still to be read: writing index i would overwrite it.
      else if (i >= next) next = reusable;
      if (runFrom >= 0) w.append(old!, runFrom, runTo);
      runFrom = -1;
      writeEntry(w, value, e, delta, prev);
      const n = i * NUMS;
      keys[i] = value;
      nums[n] = e.legit;
      nums[n + 1] = e.n;
      nums[n + 2] = e.days;
      nums[n + 3] = e.first;
      nums[n + 4] = e.last;
      nums[n + 5] = e.lastDay;
      nums[n + 6] = prev;
    }
    // After starts[j + 1] (this entry's old end) was read: i <= j.
    starts[i] = at;
    if (delta) prev = e.first;
  }
  if (runFrom >= 0) w.append(old!, runFrom, runTo);
  starts[count] = w.length;
  keys.length = count;
  c.count = count;
  c.delta = delta;
  c.bytes = w.copyTo(c.bytes);
}

function writeEntry(w: Writer, value: string, e: ValueStats, delta: boolean, prev: number): void {
  w.str(value);
  w.num(e.legit);
  w.num(e.n);
  w.num(e.days);
  if (delta) {
    // Each entry's first sighting from the previous entry's, its latest from its first, and its
    // latest day from the day of its latest sighting (usually 0).
    w.num(e.first - prev);
    w.num(e.last - e.first);
    w.num(e.lastDay - Math.floor(e.last / DAY_MS));
  } else {
    w.num(e.first);
    w.num(e.last);
    w.num(e.lastDay);
  }
}

export function decodeValueMap(buf: Buffer): ValueMap {
  const r = open(buf);
  const flags = r.uint();
  const map: ValueMap = { entries: {}, size: 0, newRate: r.num() };
  map.size = r.num();
  if (flags & 1) map.ones = r.num();
  if (flags & 2) map.obs = r.num();
  const delta = (flags & 4) !== 0;
  const n = r.uint();
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const value = r.str();
    const legit = r.num();
    const count = r.num();
    const days = r.num();
    let first: number;
    let last: number;
    let lastDay: number;
    if (delta) {
      first = prev + r.num();
      last = first + r.num();
      lastDay = Math.floor(last / DAY_MS) + r.num();
      prev = first;
    } else {
      first = r.num();
      last = r.num();
      lastDay = r.num();
    }
    const stats: ValueStats = { legit, n: count, first, last, days, lastDay };
    map.entries[value] = stats;
  }
  r.end();
  // Rebuilt with every field in emptyValueMap's order, whatever the flags say (one hidden class;
  // `ones` and `obs` undefined in a map written before they were kept).
  return { entries: map.entries, size: map.size, newRate: map.newRate, ones: map.ones, obs: map.obs };
}

export function encodeHours(p: IdentityProfile): Buffer {
  const w = start();
  writeHours(w, p);
  return w.done();
}

export function writeHours(w: Writer, p: IdentityProfile): void {
  w.num(p.hoursTotal);
  w.num(p.hoursDecayedAt);
  const hours = p.hours;
  w.uint(hours.length);
  for (let i = 0; i < hours.length; i++) w.num(hours[i]!);
}

export function decodeHours(buf: Buffer): Pick<IdentityProfile, 'hours' | 'hoursTotal' | 'hoursDecayedAt'> {
  const r = open(buf);
  const hoursTotal = r.num();
  const hoursDecayedAt = r.num();
  const n = r.uint();
  const hours = new Array<number>(n);
  for (let i = 0; i < n; i++) hours[i] = r.num();
  r.end();
  return { hours, hoursTotal, hoursDecayedAt };
}

/** The count-min sketch is mostly zeros: its length, then (gap, count) for each non-zero cell. */
export function encodeSketch(cells: readonly number[]): Buffer {
  const w = start();
  writeSketch(w, cells);
  return w.done();
}

/** Indexes of the cells `writeSketch` writes, reused (encoding is synchronous, one section at a time). */
let sketchCells = new Int32Array(64);

export function writeSketch(w: Writer, cells: readonly number[]): void {
  w.uint(cells.length);
  // A cell is left out when it is +0 exactly (Object.is(c, 0)); -0 is written like any number.
  // One pass over the cells finds the others; the second goes over those alone.
  let nonZero = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (c === 0 && 1 / c > 0) continue;
    if (nonZero === sketchCells.length) {
      const grown = new Int32Array(nonZero * 2);
      grown.set(sketchCells);
      sketchCells = grown;
    }
    sketchCells[nonZero++] = i;
  }
  w.uint(nonZero);
  let prev = -1;
  for (let k = 0; k < nonZero; k++) {
    const i = sketchCells[k]!;
    w.uint(i - prev - 1);
    w.num(cells[i]!);
    prev = i;
  }
}

export function decodeSketch(buf: Buffer): number[] {
  const r = open(buf);
  const cells = new Array<number>(r.uint()).fill(0);
  const nonZero = r.uint();
  let i = -1;
  for (let k = 0; k < nonZero; k++) {
    i += r.uint() + 1;
    if (i >= cells.length) throw new ProfileDecodeError('sketch cell out of range');
    cells[i] = r.num();
  }
  r.end();
  return cells;
}

export function encodeScalars(p: IdentityProfile): Buffer {
  const w = start();
  writeScalars(w, p);
  return w.done();
}

export function writeScalars(w: Writer, p: IdentityProfile): void {
  w.uint(p.v);
  w.str(p.identity);
  w.num(p.firstSeen);
  w.num(p.lastSeen);
  w.num(p.rate.window);
  w.num(p.rate.count);
  meanVar(w, p.rate);
  w.num(p.failRate);
  w.num(p.deniedRun);
  w.num(p.deniedAt);
  w.optStr(p.prevAction);
  w.num(p.privilegedLegit);
}

export type Scalars = Pick<IdentityProfile, 'v' | 'identity' | 'firstSeen' | 'lastSeen' | 'rate' | 'failRate' | 'deniedRun' | 'deniedAt' | 'prevAction' | 'privilegedLegit'>;

export function decodeScalars(buf: Buffer): Scalars {
  const r = open(buf);
  const v = r.uint();
  if (v !== 1) throw new ProfileDecodeError(`unknown profile version ${v}`);
  const identity = r.str();
  const firstSeen = r.num();
  const lastSeen = r.num();
  const window = r.num();
  const count = r.num();
  const mv = readMeanVar(r);
  const out: Scalars = { v: 1, identity, firstSeen, lastSeen, rate: rateState(window, count, mv.mean, mv.var, mv.n), failRate: r.num(), deniedRun: r.num(), deniedAt: r.num(), prevAction: r.optStr(), privilegedLegit: r.num() };
  r.end();
  return out;
}

/** The current hour's totals, the hourly distributions and the slow-and-low sum (each optional). */
export function encodeActivity(p: IdentityProfile): Buffer {
  const w = start();
  writeActivity(w, p);
  return w.done();
}

export function writeActivity(w: Writer, p: IdentityProfile): void {
  const agg = p.hourAgg;
  w.uint((agg ? 1 : 0) | (agg?.reported !== undefined ? 2 : 0) | (p.hourly ? 4 : 0) | (p.risk ? 8 : 0));
  if (agg) {
    w.num(agg.hour);
    for (const k of AGGREGATE_KEYS) w.num(agg[k]);
    if (agg.reported !== undefined) w.num(agg.reported);
  }
  if (p.hourly) for (const k of AGGREGATE_KEYS) meanVar(w, p.hourly[k]);
  if (p.risk) {
    w.num(p.risk.acc);
    w.num(p.risk.at);
    meanVar(w, p.risk);
  }
}

export function decodeActivity(buf: Buffer): Pick<IdentityProfile, 'hourAgg' | 'hourly' | 'risk'> {
  const r = open(buf);
  const flags = r.uint();
  // Built by hourAggregate, hourlyState and riskState, as learning builds them (one hidden class each).
  let hourAgg: HourAggregate | undefined;
  if (flags & 1) {
    // AGGREGATE_KEYS order, as writeActivity wrote them.
    const hour = r.num();
    const reads = r.num();
    const readBytes = r.num();
    const readRows = r.num();
    const writes = r.num();
    const writeBytes = r.num();
    const writeRows = r.num();
    hourAgg = hourAggregate(hour, reads, readBytes, readRows, writes, writeBytes, writeRows, flags & 2 ? r.num() : undefined);
  }
  let hourly: Record<AggregateKey, MeanVar> | undefined;
  if (flags & 4) {
    const reads = readMeanVar(r);
    const readBytes = readMeanVar(r);
    const readRows = readMeanVar(r);
    const writes = readMeanVar(r);
    const writeBytes = readMeanVar(r);
    const writeRows = readMeanVar(r);
    hourly = hourlyState(reads, readBytes, readRows, writes, writeBytes, writeRows);
  }
  let risk: IdentityProfile['risk'];
  if (flags & 8) {
    const acc = r.num();
    const at = r.num();
    const mv = readMeanVar(r);
    risk = riskState(acc, at, mv.mean, mv.var, mv.n);
  }
  r.end();
  return { hourAgg, hourly, risk };
}

export function encodeVolume(volume: IdentityProfile['volume']): Buffer {
  const w = start();
  writeVolume(w, volume);
  return w.done();
}

export function writeVolume(w: Writer, volume: IdentityProfile['volume']): void {
  const entries = Object.entries(volume);
  w.uint(entries.length);
  for (const [action, v] of entries) {
    w.str(action);
    meanVar(w, v.bytes);
    meanVar(w, v.rows);
  }
}

export function decodeVolume(buf: Buffer): IdentityProfile['volume'] {
  const r = open(buf);
  const out: IdentityProfile['volume'] = {};
  const n = r.uint();
  for (let i = 0; i < n; i++) {
    const action = r.str();
    out[action] = { bytes: readMeanVar(r), rows: readMeanVar(r) };
  }
  r.end();
  return out;
}

type TokenUse = IdentityProfile['tokens'][string];

export function encodeTokens(tokens: IdentityProfile['tokens']): Buffer {
  const w = start();
  writeTokens(w, tokens);
  return w.done();
}

function optional(w: Writer, s: string | null | undefined): void {
  if (s === undefined) w.uint(0);
  else if (s === null) w.uint(1);
  else {
    w.uint(2);
    w.str(s);
  }
}

export function writeTokens(w: Writer, tokens: IdentityProfile['tokens']): void {
  const entries = Object.entries(tokens);
  w.uint(entries.length);
  for (const [token, u] of entries) {
    w.str(token);
    w.optStr(u.net);
    w.optStr(u.asn);
    w.optStr(u.country);
    w.optStr(u.region);
    w.num(u.at);
    // Each optional field: 0 absent, 1 null, 2 + value.
    optional(w, u.src);
    optional(w, u.prev);
    w.uint(u.alt === undefined ? 0 : 1);
    if (u.alt !== undefined) w.num(u.alt);
  }
}

export function decodeTokens(buf: Buffer): IdentityProfile['tokens'] {
  const r = open(buf);
  const out: IdentityProfile['tokens'] = {};
  const n = r.uint();
  const optional = (): string | null | undefined => {
    const tag = r.uint();
    return tag === 0 ? undefined : tag === 1 ? null : r.str();
  };
  for (let i = 0; i < n; i++) {
    const token = r.str();
    const use: TokenUse = { net: r.optStr(), asn: r.optStr(), country: r.optStr(), region: r.optStr(), at: r.num() };
    const src = optional();
    const prev = optional();
    if (src !== undefined) use.src = src;
    if (prev !== undefined) use.prev = prev;
    if (r.uint() === 1) use.alt = r.num();
    out[token] = use;
  }
  r.end();
  return out;
}

/** Rarely changed, rarely present: operator suppressions, creation record, peer members (JSON). */
export type Other = Pick<IdentityProfile, 'suppressed' | 'createdBy' | 'createdAt' | 'members'>;

export function encodeOther(p: IdentityProfile): Buffer {
  const w = start();
  writeOther(w, p);
  return w.done();
}

export function writeOther(w: Writer, p: IdentityProfile): void {
  const o: Other = { suppressed: p.suppressed, createdBy: p.createdBy, createdAt: p.createdAt, members: p.members };
  w.str(JSON.stringify(o));
}

export function decodeOther(buf: Buffer): Other {
  const r = open(buf);
  const text = r.str();
  r.end();
  try {
    return JSON.parse(text) as Other;
  } catch (err) {
    throw new ProfileDecodeError(`bad JSON section: ${(err as Error).message}`);
  }
}

