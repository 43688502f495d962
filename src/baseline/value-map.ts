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
  let e = liveEntry(map, value, t, rules);
  map.newRate += alpha * ((e ? 0 : 1) - map.newRate);
  if (!e) {
    const existed = map.entries[value] !== undefined;
    e = { legit: 0, n: 0, first: t, last: t, days: 0, lastDay: -1 };
    map.entries[value] = e;
    // A forgotten entry being replaced does not grow the map.
    if (!existed) evictIfFull(map, cap, value);
  }
  e.n += 1;
  if (legit) e.legit += 1;
  e.last = t;
  if (day !== e.lastDay) {
    e.days += 1;
    e.lastDay = day;
  }
}

/**
 * Evicts in bulk: only when the map passes its cap by an eighth is it cut back to the cap, so a
 * churning dimension (hosted CI runner IPs) costs one sort per cap/8 new values, not one scan each.
 */
function evictIfFull(map: ValueMap, cap: number, keep: string): void {
  map.size += 1;
  if (map.size <= cap + Math.max(1, cap >> 3)) return;
  // Stale first, then rarely seen: an entry's worth is its recency plus a bonus per sighting day.
  const ranked = Object.entries(map.entries)
    .filter(([k]) => k !== keep)
    .map(([k, e]) => [k, e.last + e.days * 86_400_000] as const)
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const excess = map.size - cap;
  for (let i = 0; i < excess && i < ranked.length; i++) delete map.entries[ranked[i]![0]];
  map.size = Object.keys(map.entries).length;
}
