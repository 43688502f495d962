import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { WardenEvent } from '../../../src/events/event.js';
import { advanceContext } from '../../../src/model/context.js';
import { FEATURE_DIMENSION, FEATURE_LAYOUT, FEATURE_NAMES, FEATURE_SCHEMA_FINGERPRINT, FEATURE_SCHEMA_VERSION, groupLayout } from '../../../src/model/feature-schema.js';
import { networkOf, resourcePrefix, userAgentFamily, writeFeatures } from '../../../src/model/features.js';
import { fnv1a, hashBucket } from '../../../src/model/hash.js';

const ctx = advanceContext(undefined, 0, false).context;

function event(over: Partial<WardenEvent> = {}): WardenEvent {
  return {
    id: 'e1',
    time: '2026-11-18T10:15:00Z',
    identity: { id: 'svc-deployer', type: 'service_account' },
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::prod-artifacts/app-12.tgz',
    outcome: 'success',
    source: { ip: '10.1.2.3', userAgent: 'terraform/1.9', region: 'eu-west-1', workload: 'ci-runner', asn: 'AS16509', country: 'IE' },
    privileged: false,
    bytes: 1234,
    ...over,
  };
}

function row(e: WardenEvent, context = ctx): Float32Array {
  const out = new Float32Array(FEATURE_DIMENSION);
  writeFeatures(e, context, out, 0);
  return out;
}

function group(v: Float32Array, name: string): number[] {
  const g = groupLayout(name);
  return Array.from(v.subarray(g.offset, g.offset + g.size));
}

describe('feature schema', () => {
  it('is pinned: changing columns without bumping FEATURE_SCHEMA_VERSION fails here first', () => {
    expect(FEATURE_SCHEMA_VERSION).toBe(1);
    expect(FEATURE_DIMENSION).toBe(128);
    expect(FEATURE_SCHEMA_FINGERPRINT).toBe('v1-128-92afb8d2');
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_DIMENSION);
    const last = FEATURE_LAYOUT[FEATURE_LAYOUT.length - 1];
    expect((last?.offset ?? 0) + (last?.size ?? 0)).toBe(FEATURE_DIMENSION);
  });
});

describe('feature hashing', () => {
  it('uses FNV-1a, stable across machines', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('sets exactly one column per present categorical value, within its group', () => {
    const v = row(event());
    for (const name of ['identity', 'action', 'service', 'resource', 'country', 'region', 'userAgent', 'workload']) {
      expect(group(v, name).reduce((a, b) => a + b, 0)).toBe(1);
    }
    // The network group marks both the /24 and the ASN (two columns unless they collide).
    expect(group(v, 'network').reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
  });

  it('a different action changes the action group and nothing else but nothing random', () => {
    const a = row(event({ action: 's3:PutObject' }));
    const b = row(event({ action: 's3:GetObject' }));
    expect(group(a, 'identity')).toEqual(group(b, 'identity'));
    expect(group(a, 'service')).toEqual(group(b, 'service'));
    expect(row(event())).toEqual(a);
    if (hashBucket('s3:PutObject', 24, 0x9e3779b1 * 2) !== hashBucket('s3:GetObject', 24, 0x9e3779b1 * 2)) {
      expect(group(a, 'action')).not.toEqual(group(b, 'action'));
    }
  });

  it('leaves absent fields at zero instead of inventing a value', () => {
    const v = row({ id: 'x', time: '2026-11-18T10:15:00Z', identity: { id: 'bot' }, action: 'github:repo.push' });
    for (const name of ['resource', 'network', 'country', 'region', 'userAgent', 'workload']) {
      expect(group(v, name).every((x) => x === 0)).toBe(true);
    }
    expect(group(v, 'outcome')).toEqual([0, 0, 0, 1]);
  });

  it('normalizes values the way an operator would group them', () => {
    expect(resourcePrefix('arn:aws:s3:::prod-artifacts/app-123.tgz')).toBe(resourcePrefix('arn:aws:s3:::prod-artifacts/app-124.tgz'));
    expect(resourcePrefix('k8s/prod/pods/web-1')).toBe('k8s/prod');
    expect(userAgentFamily('aws-cli/2.15 Python/3.11')).toBe('aws-cli');
    expect(userAgentFamily('Terraform/1.9')).toBe('terraform');
    expect(networkOf('10.1.2.3')).toBe(networkOf('10.1.2.200'));
    expect(networkOf('10.1.2.3')).not.toBe(networkOf('10.1.3.3'));
    expect(networkOf('2001:db8:1:2::1')).toBe('v6:2001:db8:1');
  });
});

describe('cyclic hour of week', () => {
  const time = (iso: string) => group(row(event({ time: iso })), 'time');

  it('puts Sunday 23:59 next to Monday 00:00, not a week apart', () => {
    const sun = time('2026-11-22T23:59:00Z');
    const mon = time('2026-11-23T00:00:00Z');
    const dist = Math.hypot((sun[0] ?? 0) - (mon[0] ?? 0), (sun[1] ?? 0) - (mon[1] ?? 0));
    expect(dist).toBeLessThan(0.01);
  });

  it('is the same at the same hour a week later, and different twelve hours later', () => {
    const a = time('2026-11-18T10:15:00Z');
    expect(time('2026-11-25T10:15:00Z').map((x) => x.toFixed(5))).toEqual(a.map((x) => x.toFixed(5)));
    const b = time('2026-11-18T22:15:00Z');
    expect(Math.abs((a[3] ?? 0) - (b[3] ?? 0))).toBeGreaterThan(1);
  });

  it('keeps every column bounded whatever the event says', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.option(fc.double({ min: 0, max: 1e15, noNaN: true }), { nil: null }),
        fc.option(fc.double({ min: 0, max: 1e12, noNaN: true }), { nil: null }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (date, bytes, rows, rate) => {
          const v = row(event({ time: date.toISOString(), bytes, rows }), { rate1m: rate, rate1h: rate * 10, failures10m: rate, secondsSincePrevious: rate });
          return v.every((x) => Number.isFinite(x) && x >= -1 && x <= 1.5);
        },
      ),
    );
  });
});
