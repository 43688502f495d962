import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';

describe('model config', () => {
  it('is off by default with documented thresholds', () => {
    const c = parseConfig('{}', 'defaults');
    expect(c.model).toEqual({ enabled: false, path: 'models/default', watch: true, minPercentile: 99.5, fullWeightPercentile: 99.95 });
  });

  it('refuses a full-weight percentile below the minimum, naming the field', () => {
    expect(() => parseConfig('model:\n  minPercentile: 99.9\n  fullWeightPercentile: 99\n', 'warden.yaml')).toThrow(/model\.fullWeightPercentile/);
  });
});
