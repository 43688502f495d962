import { describe, expect, it } from 'vitest';
import type { WardenEvent } from '../../../src/events/event.js';
import { selectBackend } from '../../../src/model/backend.js';
import { HOURLY_COLUMNS, HOURLY_DIMENSION, HourlyAggregateScorer, HourlyAggregator, buildHourlyModel } from '../../../src/model/hourly.js';
import type { HourlyMethod } from '../../../src/model/hourly.js';

const T0 = Date.parse('2026-11-02T00:00:00Z');
const HOUR = 3_600_000;
const col = (name: (typeof HOURLY_COLUMNS)[number]): number => HOURLY_COLUMNS.indexOf(name);

let n = 0;
function ev(identity: string, t: number, action = 's3:GetObject', extra: Partial<WardenEvent> = {}): WardenEvent {
  return { id: `e${n++}`, time: new Date(t).toISOString(), identity: { id: identity, type: 'role' }, action, resource: 'arn:aws:s3:::bucket/reports/a.json', readOnly: true, outcome: 'success', source: { ip: '10.0.0.5' }, bytes: 1000, ...extra };
}

/** `days` of benign traffic: each identity makes 4 reads and 1 write per hour, every hour. */
function fleet(days: number, identities = 4): WardenEvent[] {
  const out: WardenEvent[] = [];
  for (let h = 0; h < days * 24; h++) {
    for (let i = 0; i < identities; i++) {
      const base = T0 + h * HOUR + i * 60_000;
      for (let k = 0; k < 4; k++) out.push(ev(`role-${i}`, base + k * 600_000, 's3:GetObject', { resource: `arn:aws:s3:::bucket-${i}/reports/r${k}.json` }));
      out.push(ev(`role-${i}`, base + 2_500_000, 's3:PutObject', { readOnly: false, resource: `arn:aws:s3:::bucket-${i}/out/x.json` }));
    }
  }
  return out.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

describe('HourlyAggregator', () => {
  it('keeps a running aggregate of the current UTC hour per identity and starts afresh each hour', () => {
    const agg = new HourlyAggregator({ warmupMs: 2 * HOUR });
    const row = new Float32Array(HOURLY_DIMENSION);
    const read = (e: WardenEvent): Float32Array => {
      agg.observe(e, row, 0);
      return Float32Array.from(row);
    };
    const a = read(ev('r', T0 + 60_000));
    const b = read(ev('r', T0 + 120_000, 's3:ListBucket', { resource: 'arn:aws:s3:::other/x' }));
    expect(b[col('calls')]).toBeGreaterThan(a[col('calls')] as number);
    expect(b[col('distinctActions')]).toBeGreaterThan(a[col('distinctActions')] as number);
    expect(b[col('topActionShare')]).toBeCloseTo(0.5);
    expect(b[col('newActions')]).toBeGreaterThan(a[col('newActions')] as number);
    // Next hour: counters reset, the values are no longer new.
    const c = read(ev('r', T0 + HOUR + 60_000));
    expect(c[col('calls')]).toBeCloseTo(a[col('calls')] as number);
    expect(c[col('newActions')]).toBe(0);
    expect(c[col('newResources')]).toBe(0);
    expect(c[col('topActionShare')]).toBe(1);
    // Another identity's events do not touch this one's hour.
    read(ev('other', T0 + HOUR + 70_000));
    const d = read(ev('r', T0 + HOUR + 80_000));
    expect(d[col('topActionShare')]).toBe(1);
    expect(d[col('calls')]).toBeGreaterThan(c[col('calls')] as number);
  });

  it('marks rows warm only once the identity has been seen for the warm-up period', () => {
    const agg = new HourlyAggregator({ warmupMs: 2 * HOUR });
    const { warm } = agg.extract([ev('r', T0), ev('r', T0 + HOUR), ev('r', T0 + 2 * HOUR), ev('new', T0 + 2 * HOUR)]);
    expect(warm).toEqual([false, false, true, false]);
  });

  it('counts failures, bytes and distinct resources, and compares the hour with the identity usual hour', () => {
    const agg = new HourlyAggregator();
    const events = fleet(2, 1);
    const { features } = agg.extract(events);
    const usual = features.subarray((events.length - 1) * HOURLY_DIMENSION, events.length * HOURLY_DIMENSION);
    expect(Math.abs(usual[col('callsVsUsual')] as number)).toBeLessThan(0.1);
    const t = T0 + 48 * HOUR;
    const burst = Array.from({ length: 100 }, (_, k) => ev('role-0', t + k * 1000, 's3:GetObject', { resource: `arn:aws:s3:::bucket-0/dump/${k}.json`, outcome: k % 10 === 0 ? 'denied' : 'success' }));
    const { features: f } = agg.extract(burst);
    const last = f.subarray(99 * HOURLY_DIMENSION);
    expect(last[col('callsVsUsual')]).toBeGreaterThan(0.5);
    expect(last[col('failureShare')]).toBeCloseTo(0.1);
    expect(last[col('distinctResourceShare')]).toBeCloseTo(1);
    expect(last[col('bytes')]).toBeGreaterThan(usual[col('bytes')] as number);
  });
});

describe.each<HourlyMethod>(['robust-z', 'autoencoder'])('HourlyAggregateScorer (%s)', (method) => {
  it('is quiet on an ordinary hour and flags an hour of many reads while it happens', async () => {
    await selectBackend({ prefer: 'wasm' });
    const history = fleet(4);
    const artifact = await buildHourlyModel({ events: history, classOf: () => 'reader' }, { method, epochs: 30, patience: 5, seed: 3, minClassRows: 100 });
    expect(artifact.version).toMatch(method === 'robust-z' ? /^hourly-z-20261105-[0-9a-f]{8}$/ : /^hourly-ae-20261105-[0-9a-f]{8}$/);
    expect(Object.keys(artifact.thresholds.classes)).toEqual(['reader']);
    expect(JSON.parse(JSON.stringify(artifact))).toEqual(artifact);

    const scorer = new HourlyAggregateScorer(artifact, { minPercentile: 99.5, fullWeightPercentile: 99.95 });
    const ids = (events: readonly WardenEvent[]) => events.map(() => ({ class: 'reader' }));
    await scorer.scoreBatch(history, ids(history));
    const day5 = T0 + 4 * 24 * HOUR;
    const ordinary = fleet(1).map((e) => ({ ...e, time: new Date(Date.parse(e.time) + 4 * 24 * HOUR).toISOString() }));
    const quiet = await scorer.scoreBatch(ordinary, ids(ordinary));
    expect(quiet.filter((s) => s.anomaly > 0).length / quiet.length).toBeLessThan(0.02);

    const t = day5 + 24 * HOUR + 30_000;
    const burst = Array.from({ length: 60 }, (_, k) => ev('role-1', t + k * 2000, 's3:GetObject', { resource: `arn:aws:s3:::bucket-9/dump/${k}.json` }));
    const scores = await scorer.scoreBatch(burst, ids(burst));
    // The hour grows abnormal as it goes on: by the 40th read every event is flagged.
    const late = scores.slice(40);
    expect(late.every((s) => s.anomaly > 0)).toBe(true);
    expect(late[late.length - 1]?.detail).toMatch(/^hour so far (above every benign hour|at p99\.\d+ of benign hours) \(class reader, model hourly-/);
    expect(late[late.length - 1]?.error ?? 0).toBeGreaterThan(Math.max(...quiet.map((q) => q.error)));
  }, 120_000);
});

it('does not score an identity during its warm-up', async () => {
  const artifact = await buildHourlyModel({ events: fleet(3), classOf: () => null }, { method: 'robust-z' });
  const scorer = new HourlyAggregateScorer(artifact, { minPercentile: 99.5, fullWeightPercentile: 99.95 });
  const burst = Array.from({ length: 300 }, (_, k) => ev('brand-new', T0 + 3 * 24 * HOUR + k * 1000, 'iam:ListUsers'));
  const scores = await scorer.scoreBatch(burst, burst.map(() => ({ class: null })));
  expect(scores.every((s) => s.anomaly === 0 && !s.warm)).toBe(true);
});

it('refuses an artifact trained with other columns', async () => {
  const artifact = await buildHourlyModel({ events: fleet(2), classOf: () => null }, { method: 'robust-z' });
  expect(() => new HourlyAggregateScorer({ ...artifact, columns: ['calls'] }, { minPercentile: 99.5, fullWeightPercentile: 99.95 })).toThrow(/other columns/);
});
