/** Small running statistics shared by the detectors and learning (pure). */
import type { IdentityProfile, MeanVar } from './profile.js';

const HOUR_MS = 3_600_000;

/** EWMA mean/variance; the first observations use a plain running mean so warm-up is quick. */
export function ewma(stats: MeanVar, x: number, alpha: number): void {
  if (stats.n === 0) {
    stats.mean = x;
    stats.var = 0;
  } else {
    const a = Math.max(alpha, 1 / (stats.n + 1));
    const diff = x - stats.mean;
    const incr = a * diff;
    stats.mean += incr;
    stats.var = (1 - a) * (stats.var + diff * incr);
  }
  stats.n += 1;
}

/** Counts one event in the hour-of-week histogram, decaying it (half-life in days) at most hourly. */
export function countHour(p: Pick<IdentityProfile, 'hours' | 'hoursTotal' | 'hoursDecayedAt'>, hourOfWeek: number, t: number, halfLifeDays: number): void {
  if (t - p.hoursDecayedAt >= HOUR_MS) {
    const factor = Math.pow(0.5, (t - p.hoursDecayedAt) / (halfLifeDays * 86_400_000));
    for (let i = 0; i < 168; i++) p.hours[i] = (p.hours[i] ?? 0) * factor;
    p.hoursTotal *= factor;
    p.hoursDecayedAt = t;
  }
  p.hours[hourOfWeek] = (p.hours[hourOfWeek] ?? 0) + 1;
  p.hoursTotal += 1;
}
