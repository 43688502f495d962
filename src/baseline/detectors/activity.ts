/** How much and when: hour-of-week activity, request rate and volume spikes. */
import type { WardenEvent } from '../../events/event.js';
import type { Finding } from '../finding.js';
import { finding } from '../finding.js';
import type { EventFeatures } from '../features.js';
import type { AggregateKey, HourAggregate, IdentityProfile, MeanVar } from '../profile.js';
import { AGGREGATE_KEYS, hourAggregate, hourlyState, riskState } from '../profile.js';
import type { BaselineRules } from '../config.js';
import { surprise } from '../value-map.js';
import { ewma } from '../stats.js';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function hourLabel(hourOfWeek: number): string {
  return `${DAYS[Math.floor(hourOfWeek / 24)] ?? '?'} ${String(hourOfWeek % 24).padStart(2, '0')}:00 UTC`;
}

/**
 * Hour-of-week needs weeks of history before its 168 buckets mean anything; until the identity has
 * `WEEK_HISTORY_DAYS` of history the hour of day (the 7 buckets of that hour summed) is judged.
 */
const WEEK_HISTORY_DAYS = 14;

/** Activity of an hour of the week, wrapping around the week. */
function hourAt(p: IdentityProfile, i: number): number {
  return p.hours[(i + 168) % 168] ?? 0;
}

export function detectUnusualHour(p: IdentityProfile, f: EventFeatures, rules: BaselineRules, out: Finding[]): void {
  const total = p.hoursTotal;
  if (total < 20) return;
  const h = f.hourOfWeek;
  const weekly = f.t - p.firstSeen >= WEEK_HISTORY_DAYS * 86_400_000;
  let share: number;
  if (weekly) {
    // Neighbouring hours count half: a job that slips past the hour is not unusual.
    share = (hourAt(p, h) + 0.5 * (hourAt(p, h - 1) + hourAt(p, h + 1))) / total;
  } else {
    const hod = h % 24;
    let sum = 0;
    for (let d = 0; d < 7; d++) sum += hourAt(p, d * 24 + hod) + 0.5 * (hourAt(p, d * 24 + hod - 1) + hourAt(p, d * 24 + hod + 1));
    share = sum / 7 / total;
  }
  if (share >= rules.config.unusualHourShare) return;
  // Like a new value, an idle hour weighs by how surprising it is: the chance of activity in it is
  // its share of the decayed activity (at least one event's worth), against a 1-in-20 chance.
  const scale = surprise(Math.max(share, 1 / (total + 1)), rules.config.maxSurprise);
  out.push(finding(
    'UNUSUAL_HOUR',
    `${hourLabel(h)} holds ${(share * 100).toFixed(2)}% of this identity's activity (${weekly ? 'hour of week' : 'hour of day'})`,
    Math.round(rules.config.weights.UNUSUAL_HOUR * scale),
    'when',
    scale,
  ));
}

const HOUR_MS = 3_600_000;

/** The action class an event's volume counts towards. */
function classOf(readOnly: boolean | undefined): 'read' | 'write' {
  return readOnly === false ? 'write' : 'read';
}

/** The current hour's totals after this event (a copy; the profile is changed only by learning). */
export function hourTotals(p: IdentityProfile, event: WardenEvent, t: number): HourAggregate {
  const hour = Math.floor(t / HOUR_MS);
  const a = p.hourAgg;
  // A copy in the one field order of hourAggregate (a spread or a shorter literal made other hidden classes).
  const cur = a && a.hour === hour ? hourAggregate(hour, a.reads, a.readBytes, a.readRows, a.writes, a.writeBytes, a.writeRows, a.reported) : hourAggregate(hour, 0, 0, 0, 0, 0, 0, undefined);
  const bytes = typeof event.bytes === 'number' && event.bytes > 0 ? event.bytes : 0;
  const rows = typeof event.rows === 'number' && event.rows > 0 ? event.rows : 0;
  // Calls are counted when they moved data (objects read, queries that returned rows): the object
  // count of "many small reads". API calls that move nothing are the rate detector's business.
  if (bytes === 0 && rows === 0) return cur;
  if (classOf(event.readOnly) === 'read') {
    cur.reads += 1;
    cur.readBytes += bytes;
    cur.readRows += rows;
  } else {
    cur.writes += 1;
    cur.writeBytes += bytes;
    cur.writeRows += rows;
  }
  return cur;
}

/** Folds finished hours into the hourly distributions and keeps the current hour's totals. */
export function learnHourTotals(p: IdentityProfile, totals: HourAggregate, alpha: number): void {
  const prev = p.hourAgg;
  if (prev && prev.hour < totals.hour) {
    const hourly = (p.hourly ??= emptyHourly());
    for (const k of AGGREGATE_KEYS) ewma(hourly[k], Math.log1p(prev[k]), alpha);
  }
  if (!prev || prev.hour <= totals.hour) p.hourAgg = totals;
}

function emptyHourly(): Record<AggregateKey, MeanVar> {
  const mv = (): MeanVar => ({ mean: 0, var: 0, n: 0 });
  return hourlyState(mv(), mv(), mv(), mv(), mv(), mv());
}

const AGG_LABEL: Record<AggregateKey, string> = {
  reads: 'data reads',
  readBytes: 'bytes read',
  readRows: 'rows read',
  writes: 'data writes',
  writeBytes: 'bytes written',
  writeRows: 'rows written',
};

/** Minimum active hours of history before an hour's totals are judged. */
const MIN_HOURS = 10;

/**
 * Volume over the hour, per action class: the calls, bytes and rows an identity has read (or
 * written) so far this hour against its own distribution of hourly totals (log scale, z >
 * `spikeZ`). Catches exfiltration by many small reads that no single event shows, and volume that
 * a per-event check misses. Absolute floors: `rateMinEvents` calls, `volumeMinBytes` bytes,
 * `volumeMinRows` rows — a quiet identity's tenfold of nothing is still nothing.
 */
export function detectHourlyVolume(p: IdentityProfile, totals: HourAggregate, rules: BaselineRules, out: Finding[]): void {
  const h = p.hourly;
  if (!h) return;
  // One call per measure, in AGGREGATE_KEYS order, each with its floor (calls, bytes or rows), and
  // named property loads: `hourly[k]` and `totals[k]` over six names are megamorphic lookups on
  // every event. The first crossing reports.
  const c = rules.config;
  if (hourlySpike(0, h.reads, totals.reads, c.rateMinEvents, totals, c, out)) return;
  if (hourlySpike(1, h.readBytes, totals.readBytes, c.volumeMinBytes, totals, c, out)) return;
  if (hourlySpike(2, h.readRows, totals.readRows, c.volumeMinRows, totals, c, out)) return;
  if (hourlySpike(3, h.writes, totals.writes, c.rateMinEvents, totals, c, out)) return;
  if (hourlySpike(4, h.writeBytes, totals.writeBytes, c.volumeMinBytes, totals, c, out)) return;
  hourlySpike(5, h.writeRows, totals.writeRows, c.volumeMinRows, totals, c, out);
}

/** The VOLUME_SPIKE of measure `AGGREGATE_KEYS[i]` (this hour `x`, its history `st`), if it crossed. */
function hourlySpike(i: number, st: MeanVar, x: number, floor: number, totals: HourAggregate, c: BaselineRules['config'], out: Finding[]): boolean {
  if (st.n < MIN_HOURS || x < floor) return false;
  const z = (Math.log1p(x) - st.mean) / Math.sqrt(st.var + 0.25);
  if (z <= c.spikeZ) return false;
  // The crossing is reported in full once per hour and measure; the hour's later events carry it
  // at a third, so they still rank above ordinary traffic without paging again.
  const reported = (((totals.reported ?? 0) >> i) & 1) === 1;
  out.push(finding(
    'VOLUME_SPIKE',
    `${x} ${AGG_LABEL[AGGREGATE_KEYS[i]!]} this hour against a usual ${Math.round(Math.expm1(st.mean))} per active hour (z=${z.toFixed(1)})${reported ? ', reported earlier this hour' : ''}`,
    Math.round(c.weights.VOLUME_SPIKE * (reported ? 1 / 3 : 1)),
    'volume',
  ));
  totals.reported = (totals.reported ?? 0) | (1 << i);
  return true;
}

/** Half-life of the slow-and-low risk accumulator. */
const RISK_HALF_LIFE_MS = 6 * HOUR_MS;

/** The accumulator decayed to `t`, with this event's points added. */
export function accumulatedRisk(p: IdentityProfile, t: number, points: number): number {
  const r = p.risk;
  if (!r) return points;
  return r.acc * Math.pow(0.5, Math.max(0, t - r.at) / RISK_HALF_LIFE_MS) + points;
}

/**
 * Slow and low: the risk points of the identity's events, summed with a 6-hour half-life, against
 * the level that sum usually has for this identity (EWMA + `spikeZ` standard deviations, at least
 * `slowMinPoints`). Each event may stay far below the alert threshold; a campaign of many quiet
 * oddities over hours adds up. Judged after 10 events of history. True when it reported.
 */
export function detectSlowAndLow(p: IdentityProfile, t: number, points: number, rules: BaselineRules, out: Finding[]): boolean {
  const r = p.risk;
  if (!r || r.n < 10 || points <= 0) return false;
  const acc = accumulatedRisk(p, t, points);
  const limit = Math.max(rules.config.slowMinPoints, r.mean + rules.config.spikeZ * Math.sqrt(r.var));
  if (acc < limit) return false;
  out.push(finding(
    'SLOW_AND_LOW',
    `${Math.round(acc)} risk points over the last hours against a usual ${Math.round(r.mean)} (limit ${Math.round(limit)})`,
    rules.config.weights.SLOW_AND_LOW,
    'signal',
  ));
  return true;
}

/**
 * Folds this event's points into the accumulator and the accumulator's usual level. When the event
 * reported slow-and-low, the sum it reported starts again from 0 (one finding per crossing).
 */
export function learnRisk(p: IdentityProfile, t: number, points: number, alpha: number, legit: boolean, reported = false): void {
  const acc = accumulatedRisk(p, t, points);
  const r = (p.risk ??= riskState(0, t, 0, 0, 0));
  // The usual level learns from every event but those of a context already judged unusual: an
  // identity whose work always carries small oddities has a higher usual level.
  if (legit || points === 0) ewma(r, acc, alpha);
  r.acc = reported ? 0 : acc;
  r.at = Math.max(t, r.at);
}

export function detectRateSpike(p: IdentityProfile, f: EventFeatures, rules: BaselineRules, out: Finding[]): void {
  const window = Math.floor(f.t / rules.rateWindowMs);
  const count = window === p.rate.window ? p.rate.count + 1 : 1;
  const { mean, n } = p.rate;
  if (n < 10 || count < rules.config.rateMinEvents) return;
  // Poisson floor on the variance: a perfectly regular identity is not infinitely sensitive.
  const limit = mean + rules.config.spikeZ * Math.sqrt(p.rate.var + mean + 1);
  if (count <= limit) return;
  out.push(finding(
    'RATE_SPIKE',
    `${count} calls in ${rules.config.rateWindowSeconds}s against a usual ${mean.toFixed(1)}`,
    rules.config.weights.RATE_SPIKE,
    'volume',
  ));
}

function volumeZ(stats: MeanVar, x: number): number {
  return (Math.log1p(x) - stats.mean) / Math.sqrt(stats.var + 0.25);
}

/**
 * Volume is judged per action (a backup bot's multi-GB writes say nothing about a multi-GB read):
 * a z-score against the action's own history, or, for an action that never moved data before,
 * a transfer ten times the configured minimum. True when it reported.
 */
export function detectVolumeSpike(p: IdentityProfile, event: WardenEvent, rules: BaselineRules, out: Finding[]): boolean {
  const c = rules.config;
  // Most events move nothing worth judging: no lookup, no allocation for them.
  const bytes = event.bytes;
  const rows = event.rows;
  const judgeBytes = typeof bytes === 'number' && bytes >= c.volumeMinBytes;
  const judgeRows = typeof rows === 'number' && rows >= c.volumeMinRows;
  if (!judgeBytes && !judgeRows) return false;
  const stats = p.volume[event.action];
  const detail = (judgeBytes ? volumeDetail(event.action, 'bytes', stats?.bytes, bytes, c.volumeMinBytes, c.spikeZ) : null) ?? (judgeRows ? volumeDetail(event.action, 'rows', stats?.rows, rows, c.volumeMinRows, c.spikeZ) : null);
  if (detail === null) return false;
  out.push(finding('VOLUME_SPIKE', detail, c.weights.VOLUME_SPIKE, 'volume'));
  return true;
}

/** What is spiky about `x` (bytes or rows, at least `min`) against the action's history, or null. */
function volumeDetail(action: string, label: string, st: MeanVar | undefined, x: number, min: number, spikeZ: number): string | null {
  if (!st || st.n < 3) return x >= min * 10 ? `${x} ${label} by ${action}, which moved no such volume before` : null;
  if (st.n < 20) return null;
  const z = volumeZ(st, x);
  return z > spikeZ ? `${x} ${label} by ${action} against a usual ${Math.round(Math.expm1(st.mean))} (z=${z.toFixed(1)})` : null;
}
