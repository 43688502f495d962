import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { baselineSchema } from '../../../src/config/sections/baseline.js';

describe('the shipped config/warden.yaml', () => {
  it('shows the baseline section at its defaults: reading it changes nothing', () => {
    const shipped = parse(readFileSync('config/warden.yaml', 'utf8')) as { baseline?: Record<string, unknown> };
    expect(shipped.baseline).toBeDefined();
    expect(Object.keys(shipped.baseline ?? {}).length).toBeGreaterThan(5);
    expect(baselineSchema.parse(shipped.baseline)).toEqual(baselineSchema.parse({}));
  });
});
