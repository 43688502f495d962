import { describe, expect, it } from 'vitest';
import { parseConfig, loadConfig } from '../../../src/config/load.js';
import { WardenValidationError } from '../../../src/errors.js';

function issuesOf(text: string): WardenValidationError {
  try {
    parseConfig(text, 'warden.yaml');
  } catch (err) {
    if (err instanceof WardenValidationError) return err;
    throw err;
  }
  throw new Error('expected a validation error');
}

describe('config loading', () => {
  it('fills defaults and freezes the result', () => {
    const config = parseConfig('{}', 'warden.yaml');
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.pipeline.failMode).toBe('open');
    expect(Object.isFrozen(config.kafka.brokers)).toBe(true);
    expect(() => {
      (config.pipeline as { failMode: string }).failMode = 'closed';
    }).toThrow(TypeError);
  });

  it('reports every invalid field with file, line and column', () => {
    const err = issuesOf('pipeline:\n  failMode: sometimes\nkafka:\n  brokers: []\n');
    expect(err.code).toBe('WARDEN_CONFIG_INVALID');
    expect(err.issues.map((i) => [i.field, i.line])).toEqual(
      expect.arrayContaining([
        ['pipeline.failMode', 2],
        ['kafka.brokers', 4],
      ]),
    );
    expect(err.message).toContain('warden.yaml:2:13 pipeline.failMode');
  });

  it('rejects unknown keys, so a typo does not silently fall back to a default', () => {
    const err = issuesOf('pipeline:\n  failmode: closed\n');
    expect(err.issues[0]).toMatchObject({ line: 2, field: 'pipeline.failmode', message: 'unknown field' });
  });

  it('reports YAML syntax errors with their position', () => {
    const err = issuesOf('kafka:\n  brokers: [a, b\n');
    expect(err.issues[0]?.line).toBeGreaterThan(0);
  });

  it('rejects duplicate keys', () => {
    expect(() => parseConfig('logging:\n  level: info\nlogging:\n  level: debug\n', 'w.yaml')).toThrow(/w\.yaml:3/);
  });

  it('lets the environment point at existing infrastructure', () => {
    const config = parseConfig('{}', 'warden.yaml', { WARDEN_KAFKA_BROKERS: 'k1:9092, k2:9092', WARDEN_REDIS_URL: 'redis://r:6380' });
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.redis.url).toBe('redis://r:6380');
  });

  it('validates the shipped config/warden.yaml', () => {
    expect(loadConfig('config/warden.yaml', {}).policy.dir).toBe('config/policies');
  });

  it('refuses a named file that does not exist', () => {
    expect(() => loadConfig('nope/warden.yaml', {})).toThrow(/config file not found/);
  });
});
