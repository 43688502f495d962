/** Bounded per-dimension value maps: lookup with forgetting and absorption, and eviction. */
import type { ValueMap, ValueStats } from './profile.js';

export interface NoveltyRules {
  forgetMs: number;
  absorbAfterSightings: number;
  absorbAfterDays: number;
}

/** The entry for `value` unless it is absent or has been forgotten. */
export function liveEntry(map: ValueMap, value: string, t: number, rules: NoveltyRules): ValueStats | undefined {
  const e = map.entries[value];
  if (!e) return undefined;
  return t - e.last > rules.forgetMs ? undefined : e;
}

/**
 * How new a value still is: 1 for never seen, falling to 0 as legitimate sightings accumulate,
 * and 0 once it has been seen on `absorbAfterDays` distinct days.
 */
export function novelty(entry: ValueStats | undefined, rules: NoveltyRules): number {
  if (!entry) return 1;
  if (entry.days >= rules.absorbAfterDays || entry.legit >= rules.absorbAfterSightings) return 0;
  return 1 - entry.legit / rules.absorbAfterSightings;
}

/** Recounts the Good–Turing counts of a map written before they were kept. */
function ensureCounts(map: ValueMap): void {
  if (map.ones !== undefined && map.obs !== undefined) return;
  let ones = 0;
  let obs = 0;
  for (const k in map.entries) {
    const n = map.entries[k]!.n;
    obs += n;
    if (n === 1) ones++;
  }
  map.ones = ones;
  map.obs = obs;
}

/**
 * The chance that the identity's next value of this dimension is one it has never shown: the
 * Good–Turing estimate N1/N (values seen once over all sightings, add-one smoothed so that a
 * dimension with no singletons is rare, not impossible), or the recent share of new values when
 * that is higher (a burst of change makes the next new value less surprising at once).
 */
export function newValueChance(map: ValueMap): number {
  ensureCounts(map);
  const obs = map.obs ?? 0;
  const gt = ((map.ones ?? 0) + 1) / (obs + 1);
  // Breadth floor: an identity that has used D distinct values in N sightings keeps finding new
  // ones at about β·D/N (Heaps' law, D ∝ N^β, β ≈ 0.5 for API vocabularies), even when its recent
  // history happens to repeat itself (no singletons): a broad deployer is never "narrow".
  const breadth = obs > 0 ? (HEAPS_BETA * map.size) / obs : 1;
  return Math.min(1, Math.max(gt, breadth, map.newRate));
}

const HEAPS_BETA = 0.5;

/**
 * How surprising a never-seen value is, as a multiplier of the detector's configured weight: the
 * information of the event relative to a 1-in-20 chance, log(1/p) / log(20), between 0 and
 * `maxSurprise`. A value that is new about once in twenty sightings carries the configured weight;
 * one from an identity that shows something new once in ten thousand carries `maxSurprise` times
 * it; a dimension that churns constantly (hosted CI runner IPs) carries almost nothing.
 */
export function surprise(p: number, maxSurprise: number): number {
  if (p >= 1) return 0;
  return Math.min(maxSurprise, Math.max(0, Math.log(1 / p) / LOG_20));
}

const LOG_20 = Math.log(20);

/**
 * Records one sighting and says whether the value was new (absent or forgotten: what `liveEntry`
 * would have said before). The map never grows past `cap`: the stalest, least-trusted entry goes.
 */
export function recordValue(
  map: ValueMap,
  value: string,
  t: number,
  day: number,
  legit: boolean,
  rules: NoveltyRules,
  cap: number,
  alpha: number,
): boolean {
  ensureCounts(map);
  // One lookup serves both cases: a live entry is counted again, a forgotten one replaced.
  const old = map.entries[value];
  let e = old === undefined || t - old.last > rules.forgetMs ? undefined : old;
  const isNew = e === undefined;
  map.newRate += alpha * ((isNew ? 1 : 0) - map.newRate);
  if (!e) {
    if (old) uncount(map, old.n);
    e = { legit: 0, n: 0, first: t, last: t, days: 0, lastDay: -1 };
    map.entries[value] = e;
    // A forgotten entry being replaced does not grow the map.
    if (!old) evictIfFull(map, cap, value, e);
  }
  if (e.n === 0) map.ones = (map.ones ?? 0) + 1;
  else if (e.n === 1) map.ones = (map.ones ?? 0) - 1;
  map.obs = (map.obs ?? 0) + 1;
  e.n += 1;
  if (legit) e.legit += 1;
  e.last = t;
  if (day !== e.lastDay) {
    e.days += 1;
    e.lastDay = day;
  }
  return isNew;
}

function uncount(map: ValueMap, n: number): void {
  map.obs = (map.obs ?? 0) - n;
  if (n === 1) map.ones = (map.ones ?? 0) - 1;
}

const DAY_MS = 86_400_000;

/**
 * The values of a map that has been cut back once, and their entries, so that the next cut need
 * not list the object's keys (listing an object of many keys costs more than ranking them).
 * `evictIfFull` keeps it: every value `recordValue` adds goes through it, and it removes the
 * evicted. A map decoded from the store starts without one. Other code reads and updates entries but
 * does not add, replace or remove them; should it, the list no longer matches the map (an entry
 * that is not the listed one, or counts that do not add up) and the object is listed instead.
 */
interface ValueList {
  keys: string[];
  entries: ValueStats[];
}

const valueLists = new WeakMap<ValueMap, ValueList>();

/** Scratch space of `evictIfFull`, grown as needed and reused: eviction is synchronous and ranks one map at a time. */
let evictWorth = new Float64Array(256);
let evictHeap = new Int32Array(32);
let evictedFlags = new Uint8Array(256);

/**
 * Counts a new value (`keep`, whose entry is `kept`) and evicts in bulk: only when the map passes
 * its cap by an eighth is it cut back to the cap, so a churning dimension (hosted CI runner IPs)
 * costs one ranking per cap/8 new values, not one scan each.
 */
function evictIfFull(map: ValueMap, cap: number, keep: string, kept: ValueStats): void {
  map.size += 1;
  let list = valueLists.get(map);
  if (list) {
    list.keys.push(keep);
    list.entries.push(kept);
  }
  if (map.size <= cap + Math.max(1, cap >> 3)) return;
  // Stale first, then rarely seen: an entry's worth is its recency plus a bonus per sighting day.
  // The values but the kept one are compacted to the front of the list, their worth alongside.
  let n = list !== undefined && list.keys.length === map.size ? rank(map, list, keep, true) : -1;
  if (list === undefined || n < 0) {
    list = { keys: Object.keys(map.entries), entries: [] };
    n = rank(map, list, keep, false);
  }
  const { keys, entries } = list;
  const excess = Math.min(map.size - cap, n);
  const evicted = leastWorth(keys, evictWorth, n, excess);
  if (evictedFlags.length < n) evictedFlags = new Uint8Array(n * 2);
  const flags = evictedFlags;
  flags.fill(0, 0, n);
  for (let i = 0; i < excess; i++) {
    const index = evicted[i]!;
    flags[index] = 1;
    uncount(map, entries[index]!.n);
    delete map.entries[keys[index]!];
  }
  // What is left, in the same arrays: the survivors, then the kept value.
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (flags[i] !== 0) continue;
    keys[m] = keys[i]!;
    entries[m++] = entries[i]!;
  }
  keys[m] = keep;
  entries[m++] = kept;
  keys.length = m;
  entries.length = m;
  valueLists.set(map, list);
  // The entries counted (the kept one included), less the evicted.
  map.size = m;
}

/**
 * Moves the values of the list but `keep` to its front, with their entries, and their worth to
 * `evictWorth`; returns how many. With `check`, -1 when the list does not match the map: a value
 * whose entry is not the listed one, or sightings that do not add up to the map's (the kept entry
 * has none yet).
 */
function rank(map: ValueMap, list: ValueList, keep: string, check: boolean): number {
  const { keys, entries } = list;
  if (evictWorth.length < keys.length) evictWorth = new Float64Array(keys.length * 2);
  let n = 0;
  let sightings = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key === keep) continue;
    const e = map.entries[key];
    if (e === undefined || (check && e !== entries[i])) return -1;
    sightings += e.n;
    keys[n] = key;
    entries[n] = e;
    evictWorth[n++] = e.last + e.days * DAY_MS;
  }
  return check && sightings !== map.obs ? -1 : n;
}

/**
 * The indexes of the `k` entries of least worth, ties broken by key (keys are distinct, so the set
 * is the first `k` of a full sort), in no particular order. A max-heap of the `k` least seen so far
 * costs n·log k comparisons instead of a sort's n·log n, and no object per entry.
 */
function leastWorth(keys: readonly string[], worth: Float64Array, n: number, k: number): Int32Array {
  if (evictHeap.length < k) evictHeap = new Int32Array(k * 2);
  const heap = evictHeap;
  // Ranked before: less worth, or the same worth and a lower key (the order evictions keep).
  const before = (a: number, b: number): boolean => {
    const d = worth[a]! - worth[b]!;
    return d < 0 || (!(d > 0) && keys[a]! < keys[b]!);
  };
  const siftDown = (from: number): void => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= k) return;
      const r = l + 1;
      const top = r < k && before(heap[l]!, heap[r]!) ? r : l;
      if (!before(heap[i]!, heap[top]!)) return;
      const x = heap[i]!;
      heap[i] = heap[top]!;
      heap[top] = x;
      i = top;
    }
  };
  for (let i = 0; i < k; i++) heap[i] = i;
  for (let i = (k >> 1) - 1; i >= 0; i--) siftDown(i);
  for (let i = k; i < n; i++) {
    if (!before(i, heap[0]!)) continue;
    heap[0] = i;
    siftDown(0);
  }
  return heap;
}
