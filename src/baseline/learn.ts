/** Folds one event into an identity's profile (see assess.ts for the ownership rule). */
import type { WardenEvent } from '../events/event.js';
import type { EventFeatures } from './features.js';
import type { IdentityProfile, ValueMap } from './profile.js';
import { markTouched, TOUCHED_HOURS, TOUCHED_TRANSITIONS, touchedMap } from './profile.js';
import type { BaselineRules } from './config.js';
import { recordValue } from './value-map.js';
import { countHour, ewma } from './stats.js';
import { sketchAdd } from './sketch.js';
import { countsForEnumeration, sourceKey, transitionKey } from './detectors/signals.js';
import { learnHourTotals, learnRisk } from './detectors/activity.js';
import type { HourAggregate } from './profile.js';

/** What the decider measured of the event that learning keeps: the hour's totals and its risk points. */
export interface LearnExtras {
  totals?: HourAggregate;
  points?: number;
  /** This event reported slow-and-low: the accumulated risk was reported and starts again from 0. */
  slowReported?: boolean;
}

const MAX_TOKENS = 32;

/** Records a sighting in the map of dimension number `d` (`DIMENSIONS` order); the section it touches. */
function learnValue(map: ValueMap, value: string, d: number, f: EventFeatures, legit: boolean, rules: BaselineRules, cap: number): number {
  recordValue(map, value, f.t, f.day, legit, rules, cap, 0.02);
  return touchedMap(d);
}

function pushBounded(list: number[], t: number, max: number): void {
  list.push(t);
  if (list.length > max) list.splice(0, list.length - max);
}

const MAX_VOLUME_ACTIONS = 64;

function learnVolume(p: IdentityProfile, event: WardenEvent, alpha: number): void {
  const hasBytes = typeof event.bytes === 'number' && event.bytes >= 0;
  const hasRows = typeof event.rows === 'number' && event.rows >= 0;
  if (!hasBytes && !hasRows) return;
  let v = p.volume[event.action];
  if (!v) {
    const keys = Object.keys(p.volume);
    if (keys.length >= MAX_VOLUME_ACTIONS) {
      let least = keys[0] ?? '';
      for (const k of keys) if ((p.volume[k]?.bytes.n ?? 0) + (p.volume[k]?.rows.n ?? 0) < (p.volume[least]?.bytes.n ?? 0) + (p.volume[least]?.rows.n ?? 0)) least = k;
      delete p.volume[least];
    }
    v = { bytes: { mean: 0, var: 0, n: 0 }, rows: { mean: 0, var: 0, n: 0 } };
    p.volume[event.action] = v;
  }
  if (hasBytes) ewma(v.bytes, Math.log1p(event.bytes as number), alpha);
  if (hasRows) ewma(v.rows, Math.log1p(event.rows as number), alpha);
}

/**
 * `legit` says whether the event came from a legitimate context (its decision was allow, or the
 * identity is learning). Only legitimate sightings absorb a new value quickly; any sighting still
 * counts towards the distinct-days rule.
 */
export function learnEvent(p: IdentityProfile, event: WardenEvent, f: EventFeatures, rules: BaselineRules, legit: boolean, extras: LearnExtras = {}): IdentityProfile {
  const c = rules.config;
  if (p.events === 0) {
    p.firstSeen = f.t;
    p.hoursDecayedAt = f.t;
  }
  // Out-of-order events (older than the latest) still teach values but never move clocks back.
  const t = Math.max(f.t, p.lastSeen);

  // The sections this event changes that the store would rather not encode when unchanged.
  let touched = TOUCHED_HOURS;
  // One call per dimension in DIMENSIONS order (d is its index), with named property loads, as in
  // detectNovelty: `values[dim]` and `maps[dim]` over ten names are megamorphic lookups.
  const v = f.values;
  const m = p.maps;
  const cap = c.maxEntriesPerMap;
  // Single IPs churn by nature and matter least; their map gets a quarter of the cap.
  const ipCap = Math.max(8, Math.floor(cap / 4));
  // Whether the event brings a new action, service or resource (`bringsNewValue`, answered by the
  // lookups that record them: each map is looked at before its own sighting is recorded).
  let bringsNew = false;
  if (v.action !== undefined) {
    bringsNew = recordValue(m.action, v.action, f.t, f.day, legit, rules, cap, 0.02) || bringsNew;
    touched |= touchedMap(0);
  }
  if (v.service !== undefined) {
    bringsNew = recordValue(m.service, v.service, f.t, f.day, legit, rules, cap, 0.02) || bringsNew;
    touched |= touchedMap(1);
  }
  if (v.resource !== undefined) {
    bringsNew = recordValue(m.resource, v.resource, f.t, f.day, legit, rules, cap, 0.02) || bringsNew;
    touched |= touchedMap(2);
  }
  if (v.ip !== undefined) touched |= learnValue(m.ip, v.ip, 3, f, legit, rules, ipCap);
  if (v.net !== undefined) touched |= learnValue(m.net, v.net, 4, f, legit, rules, cap);
  if (v.asn !== undefined) touched |= learnValue(m.asn, v.asn, 5, f, legit, rules, cap);
  if (v.country !== undefined) touched |= learnValue(m.country, v.country, 6, f, legit, rules, cap);
  if (v.region !== undefined) touched |= learnValue(m.region, v.region, 7, f, legit, rules, cap);
  if (v.ua !== undefined) touched |= learnValue(m.ua, v.ua, 8, f, legit, rules, cap);
  if (v.workload !== undefined) touched |= learnValue(m.workload, v.workload, 9, f, legit, rules, cap);
  if (bringsNew && countsForEnumeration(event.readOnly)) pushBounded(p.novel, f.t, c.enumerationNew * 2);

  countHour(p, f.hourOfWeek, t, c.hourHalfLifeDays);

  const window = Math.floor(f.t / rules.rateWindowMs);
  if (window !== p.rate.window) {
    if (p.rate.window >= 0 && window > p.rate.window) {
      // The window that ended joins the distribution of counts; the new one starts at 0.
      ewma(p.rate, p.rate.count, c.ewmaAlpha);
      p.rate.window = window;
      p.rate.count = 0;
    } else if (p.rate.window < 0) {
      p.rate.window = window;
    }
  }
  if (window === p.rate.window) p.rate.count += 1;

  learnVolume(p, event, c.ewmaAlpha);
  if (extras.totals) learnHourTotals(p, extras.totals, c.ewmaAlpha);
  learnRisk(p, f.t, extras.points ?? 0, c.ewmaAlpha, legit, extras.slowReported === true);

  p.failRate += 0.02 * ((f.failed ? 1 : 0) - p.failRate);
  if (f.failed) pushBounded(p.failures, f.t, c.failureBurst * 2);
  if (f.denied) {
    p.deniedRun += 1;
    p.deniedAt = f.t;
  } else if (!f.failed) {
    p.deniedRun = 0;
  }

  if (p.prevAction !== null && p.prevAction !== event.action) {
    sketchAdd(p.transitions, transitionKey(p.prevAction, event.action));
    touched |= TOUCHED_TRANSITIONS;
  }
  p.prevAction = event.action;

  const token = event.identity.tokenId;
  if (token) {
    const before = p.tokens[token];
    const src = sourceKey(f);
    const prev = before?.src ?? null;
    // Returning to the source before last (A, B, A) is alternation; the EWMA says how usual it is.
    const alternated = before !== undefined && src !== null && prev !== null && src !== prev && src === (before.prev ?? null) ? 1 : 0;
    const alt = (before?.alt ?? 0) + 0.05 * (alternated - (before?.alt ?? 0));
    p.tokens[token] = {
      net: f.values.net ?? null,
      asn: f.values.asn ?? null,
      country: f.values.country ?? null,
      region: f.values.region ?? null,
      at: f.t,
      src,
      prev: src !== prev ? prev : (before?.prev ?? null),
      alt,
    };
    // Only a new token can take the list past its bound.
    if (before === undefined) {
      const keys = Object.keys(p.tokens);
      if (keys.length > MAX_TOKENS) {
        let oldest = keys[0] ?? '';
        for (const k of keys) if ((p.tokens[k]?.at ?? 0) < (p.tokens[oldest]?.at ?? 0)) oldest = k;
        delete p.tokens[oldest];
      }
    }
  }
  if (event.privileged === true && legit) p.privilegedLegit += 1;

  p.events += 1;
  p.lastSeen = t;
  markTouched(p, touched);
  return p;
}
