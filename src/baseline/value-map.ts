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

/** Records one sighting. The map never grows past `cap`: the stalest, least-trusted entry goes. */
export function recordValue(
  map: ValueMap,
  value: string,
  t: number,
  day: number,
  legit: boolean,
  rules: NoveltyRules,
  cap: number,
  alpha: number,
): void {
  ensureCounts(map);
  let e = liveEntry(map, value, t, rules);
  map.newRate += alpha * ((e ? 0 : 1) - map.newRate);
  if (!e) {
    const old = map.entries[value];
    if (old) uncount(map, old.n);
    e = { legit: 0, n: 0, first: t, last: t, days: 0, lastDay: -1 };
    map.entries[value] = e;
    // A forgotten entry being replaced does not grow the map.
    if (!old) evictIfFull(map, cap, value);
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
}

function uncount(map: ValueMap, n: number): void {
  map.obs = (map.obs ?? 0) - n;
  if (n === 1) map.ones = (map.ones ?? 0) - 1;
}

/**
 * Evicts in bulk: only when the map passes its cap by an eighth is it cut back to the cap, so a
 * churning dimension (hosted CI runner IPs) costs one sort per cap/8 new values, not one scan each.
 */
function evictIfFull(map: ValueMap, cap: number, keep: string): void {
  map.size += 1;
  if (map.size <= cap + Math.max(1, cap >> 3)) return;
  // Stale first, then rarely seen: an entry's worth is its recency plus a bonus per sighting day.
  const ranked: Array<{ key: string; worth: number }> = [];
  for (const key in map.entries) {
    if (key === keep) continue;
    const e = map.entries[key]!;
    ranked.push({ key, worth: e.last + e.days * 86_400_000 });
  }
  ranked.sort((a, b) => a.worth - b.worth || (a.key < b.key ? -1 : 1));
  const excess = Math.min(map.size - cap, ranked.length);
  for (let i = 0; i < excess; i++) {
    const key = ranked[i]!.key;
    uncount(map, map.entries[key]!.n);
    delete map.entries[key];
  }
  // The entries counted (the kept one included), less the evicted.
  map.size = ranked.length + 1 - excess;
}
