import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BulkHistogram } from '../../../src/observability/bulk-histogram.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The same observations through prom-client's Histogram and through BulkHistogram, exported. */
async function both(values: number[], register = true): Promise<[string, string]> {
  const reference = new Registry();
  const ours = new Registry();
  const h = new Histogram({ name: 'lag_seconds', help: 'lag', buckets: BUCKETS, registers: [reference] });
  const b = new BulkHistogram('lag_seconds', 'lag', BUCKETS, register ? [ours] : []);
  for (const v of values) h.observe(v);
  b.observeEach(values, (v) => v);
  return [await reference.metrics(), await ours.metrics()];
}

describe('BulkHistogram', () => {
  it('exports exactly what prom-client exports for the same observations (bounds inclusive, above the last, zero)', async () => {
    const values = [0, 0.001, 0.0011, 0.0025, 0.003, 0.05, 0.7, 1, 29.9, 30, 31, 1000, 0.012, 0.012, 0.4];
    const [reference, ours] = await both(values);
    expect(ours).toBe(reference);
    expect(ours).toContain('lag_seconds_bucket{le="+Inf"} 15');
  });

  it('exports the same as prom-client before any observation and after a reset', async () => {
    const [reference, ours] = await both([]);
    expect(ours).toBe(reference);
    const registry = new Registry();
    const b = new BulkHistogram('lag_seconds', 'lag', BUCKETS, [registry]);
    b.observe(0.3);
    registry.resetMetrics();
    expect(await registry.metrics()).toBe(reference);
  });

  it('maps each value, skips values that are not finite, and refuses a non-finite single observation', async () => {
    const registry = new Registry();
    const b = new BulkHistogram('lag_seconds', 'lag', BUCKETS, [registry]);
    b.observeEach([1000, Number.NaN, 1003, Number.POSITIVE_INFINITY], (ts) => (1010 - ts) / 1000);
    const text = await registry.metrics();
    expect(text).toContain('lag_seconds_count 2');
    expect(text).toContain('lag_seconds_bucket{le="0.005"} 0');
    expect(text).toContain('lag_seconds_bucket{le="0.01"} 2');
    expect(text).toMatch(/lag_seconds_sum 0\.017/);
    expect(() => b.observe(Number.NaN)).toThrow(TypeError);
  });

  it('is one metric of its registry, found by name like the others', () => {
    const registry = new Registry();
    const b = new BulkHistogram('lag_seconds', 'lag', BUCKETS, [registry]);
    expect(registry.getSingleMetric('lag_seconds')).toBe(b);
  });
});
