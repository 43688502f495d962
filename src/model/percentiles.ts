/**
 * Reconstruction-error distributions and the mapping from an error to its percentile. A model
 * stores, per identity class and globally, the error at a fixed grid of percentile levels; an
 * event's percentile is interpolated in that table, so thresholds read as "rarer than 99.9 % of
 * this class's benign traffic" whatever the absolute error scale of a model.
 */

/** Percentile levels stored in meta.json: every percent, then finer in the tail where alerts live. */
export const PERCENTILE_LEVELS: readonly number[] = [
  ...Array.from({ length: 100 }, (_, i) => i),
  99.1, 99.2, 99.3, 99.4, 99.5, 99.6, 99.7, 99.8, 99.9, 99.95, 99.99, 100,
];

/** One distribution: `errors[i]` is the error at `PERCENTILE_LEVELS[i]`, non-decreasing. */
export interface ErrorDistribution {
  count: number;
  errors: number[];
  p50: number;
  p90: number;
  p99: number;
  p999: number;
}

function quantileSorted(sorted: Float32Array | number[], level: number): number {
  if (sorted.length === 0) return 0;
  const pos = (level / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** The distribution of a set of reconstruction errors. */
export function errorDistribution(errors: Float32Array): ErrorDistribution {
  const sorted = Float32Array.from(errors).sort();
  const table = PERCENTILE_LEVELS.map((l) => quantileSorted(sorted, l));
  return {
    count: sorted.length,
    errors: table,
    p50: quantileSorted(sorted, 50),
    p90: quantileSorted(sorted, 90),
    p99: quantileSorted(sorted, 99),
    p999: quantileSorted(sorted, 99.9),
  };
}

/**
 * The percentile (0..100) of `error` in `dist`, linearly interpolated between grid levels. An
 * error above the largest benign one maps to 100: nothing benign looked like it.
 */
export function percentileOf(dist: ErrorDistribution, error: number): number {
  const t = dist.errors;
  const n = t.length;
  if (n === 0) return 0;
  if (error >= (t[n - 1] as number)) return error > (t[n - 1] as number) ? 100 : (PERCENTILE_LEVELS[n - 1] as number);
  if (error <= (t[0] as number)) return 0;
  // Largest i with t[i] <= error.
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((t[mid] as number) <= error) lo = mid;
    else hi = mid;
  }
  const a = t[lo] as number;
  const b = t[hi] as number;
  const la = PERCENTILE_LEVELS[lo] as number;
  const lb = PERCENTILE_LEVELS[hi] as number;
  return b > a ? la + ((error - a) / (b - a)) * (lb - la) : lb;
}
