/** How much and when: hour-of-week activity, request rate and volume spikes. */
import type { WardenEvent } from '../../events/event.js';
import type { Finding } from '../finding.js';
import type { EventFeatures } from '../features.js';
import type { IdentityProfile, MeanVar } from '../profile.js';
import type { BaselineRules } from '../config.js';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function hourLabel(hourOfWeek: number): string {
  return `${DAYS[Math.floor(hourOfWeek / 24)] ?? '?'} ${String(hourOfWeek % 24).padStart(2, '0')}:00 UTC`;
}

/**
 * Hour-of-week needs weeks of history before its 168 buckets mean anything; until the identity has
 * `WEEK_HISTORY_DAYS` of history the hour of day (the 7 buckets of that hour summed) is judged.
 */
const WEEK_HISTORY_DAYS = 14;

export function detectUnusualHour(p: IdentityProfile, f: EventFeatures, rules: BaselineRules, out: Finding[]): void {
  const total = p.hoursTotal;
  if (total < 20) return;
  const at = (i: number): number => p.hours[(i + 168) % 168] ?? 0;
  const h = f.hourOfWeek;
  const weekly = f.t - p.firstSeen >= WEEK_HISTORY_DAYS * 86_400_000;
  let share: number;
  if (weekly) {
    // Neighbouring hours count half: a job that slips past the hour is not unusual.
    share = (at(h) + 0.5 * (at(h - 1) + at(h + 1))) / total;
  } else {
    const hod = h % 24;
    let sum = 0;
    for (let d = 0; d < 7; d++) sum += at(d * 24 + hod) + 0.5 * (at(d * 24 + hod - 1) + at(d * 24 + hod + 1));
    share = sum / 7 / total;
  }
  if (share >= rules.config.unusualHourShare) return;
  out.push({
    code: 'UNUSUAL_HOUR',
    detail: `${hourLabel(h)} holds ${(share * 100).toFixed(2)}% of this identity's activity (${weekly ? 'hour of week' : 'hour of day'})`,
    weight: rules.config.weights.UNUSUAL_HOUR,
    family: 'when',
  });
}

export function detectRateSpike(p: IdentityProfile, f: EventFeatures, rules: BaselineRules, out: Finding[]): void {
  const window = Math.floor(f.t / rules.rateWindowMs);
  const count = window === p.rate.window ? p.rate.count + 1 : 1;
  const { mean, n } = p.rate;
  if (n < 10 || count < rules.config.rateMinEvents) return;
  // Poisson floor on the variance: a perfectly regular identity is not infinitely sensitive.
  const limit = mean + rules.config.spikeZ * Math.sqrt(p.rate.var + mean + 1);
  if (count <= limit) return;
  out.push({
    code: 'RATE_SPIKE',
    detail: `${count} calls in ${rules.config.rateWindowSeconds}s against a usual ${mean.toFixed(1)}`,
    weight: rules.config.weights.RATE_SPIKE,
    family: 'volume',
  });
}

function volumeZ(stats: MeanVar, x: number): number {
  return (Math.log1p(x) - stats.mean) / Math.sqrt(stats.var + 0.25);
}

/**
 * Volume is judged per action (a backup bot's multi-GB writes say nothing about a multi-GB read):
 * a z-score against the action's own history, or, for an action that never moved data before,
 * a transfer ten times the configured minimum.
 */
export function detectVolumeSpike(p: IdentityProfile, event: WardenEvent, rules: BaselineRules, out: Finding[]): void {
  const c = rules.config;
  const stats = p.volume[event.action];
  const checks: Array<[string, MeanVar | undefined, number | null | undefined, number]> = [
    ['bytes', stats?.bytes, event.bytes, c.volumeMinBytes],
    ['rows', stats?.rows, event.rows, c.volumeMinRows],
  ];
  for (const [label, st, x, min] of checks) {
    if (typeof x !== 'number' || x < min) continue;
    let detail: string | null = null;
    if (!st || st.n < 3) {
      if (x >= min * 10) detail = `${x} ${label} by ${event.action}, which moved no such volume before`;
    } else if (st.n >= 20) {
      const z = volumeZ(st, x);
      if (z > c.spikeZ) detail = `${x} ${label} by ${event.action} against a usual ${Math.round(Math.expm1(st.mean))} (z=${z.toFixed(1)})`;
    }
    if (detail === null) continue;
    out.push({ code: 'VOLUME_SPIKE', detail, weight: c.weights.VOLUME_SPIKE, family: 'volume' });
    return;
  }
}
