import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { WardenValidationError } from '../../../src/errors.js';

describe('kafka.fetchMinBytes and kafka.fetchMaxWaitMs', () => {
  it('answer a fetch as soon as anything is there by default', () => {
    const { kafka } = parseConfig('{}', 'warden.yaml');
    expect([kafka.fetchMinBytes, kafka.fetchMaxWaitMs]).toEqual([1, 50]);
  });

  it('take a batching trade-off', () => {
    const { kafka } = parseConfig('kafka:\n  fetchMinBytes: 16384\n  fetchMaxWaitMs: 10\n', 'warden.yaml');
    expect([kafka.fetchMinBytes, kafka.fetchMaxWaitMs]).toEqual([16384, 10]);
  });

  it('refuse a wait long enough to starve the heartbeats, and no minimum at all, with file and line', () => {
    let caught: unknown;
    try {
      parseConfig('kafka:\n  fetchMinBytes: 0\n  fetchMaxWaitMs: 5000\n', 'warden.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WardenValidationError);
    expect((caught as WardenValidationError).issues.map((i) => [i.field, i.line])).toEqual([
      ['kafka.fetchMinBytes', 2],
      ['kafka.fetchMaxWaitMs', 3],
    ]);
  });
});
