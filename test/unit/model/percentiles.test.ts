import { describe, expect, it } from 'vitest';
import { PERCENTILE_LEVELS, errorDistribution, percentileOf } from '../../../src/model/percentiles.js';

describe('percentile mapping', () => {
  const errors = Float32Array.from({ length: 10_001 }, (_, i) => i / 10_000);
  const dist = errorDistribution(errors);

  it('tabulates the benign distribution at the fixed levels', () => {
    expect(dist.errors).toHaveLength(PERCENTILE_LEVELS.length);
    expect(dist.p50).toBeCloseTo(0.5, 4);
    expect(dist.p99).toBeCloseTo(0.99, 4);
    expect(dist.p999).toBeCloseTo(0.999, 4);
  });

  it('maps an error to its percentile, finely in the tail', () => {
    expect(percentileOf(dist, 0.5)).toBeCloseTo(50, 1);
    expect(percentileOf(dist, 0.995)).toBeCloseTo(99.5, 1);
    expect(percentileOf(dist, 0.9995)).toBeCloseTo(99.95, 2);
    expect(percentileOf(dist, 0)).toBe(0);
  });

  it('ranks an error beyond every benign one at 100', () => {
    expect(percentileOf(dist, 1.5)).toBe(100);
  });

  it('is monotone in the error', () => {
    let prev = -1;
    for (let e = 0; e <= 1.2; e += 0.0137) {
      const p = percentileOf(dist, e);
      expect(p).toBeGreaterThanOrEqual(prev);
      prev = p;
    }
  });
});
