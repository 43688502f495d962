import { describe, expect, it } from 'vitest';
import { combine, MIN_CORROBORATION } from '../../../src/scoring/combine.js';
import { slowPoints } from '../../../src/scoring/decider.js';
import type { Finding } from '../../../src/baseline/finding.js';
import { DAY, HOUR, START, codes, decideAll, event, makeDecider, routine } from './helpers.js';

const AFTER = START + 10 * DAY + 10 * HOUR;

describe('detectors over time', () => {
  it('flags many small reads whose hourly total is far above the identity’s hours, in full once per hour', async () => {
    const d = makeDecider();
    // The routine moves 20 kB per call, three calls an hour.
    await decideAll(d, routine());
    const reads = Array.from({ length: 200 }, (_, i) => event(AFTER + i * 15_000, { action: 's3:PutObject', bytes: 20_000 }));
    const out = await d.decideBatch(reads);
    const volume = out.map((x) => x.reasons.find((r) => r.code === 'VOLUME_SPIKE'));
    const first = volume.findIndex((r) => r !== undefined);
    expect(first).toBeGreaterThan(0);
    // No single event moved more than usual: the hour's total did. Reported in full once for that
    // measure; the hour's later events carry it at a third, so they rank high without paging.
    expect(volume[first]?.detail).toMatch(/this hour against a usual/);
    expect(volume[first]?.weight).toBe(45);
    const later = volume.slice(first + 1, 160).filter((r) => r !== undefined);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((r) => r!.weight === 15 && /reported earlier this hour/.test(r!.detail))).toBe(true);
  });

  it('adds up quiet oddities over hours into one slow-and-low finding', async () => {
    const d = makeDecider();
    await decideAll(d, routine());
    const quiet = ['ec2:DescribeInstances', 'kms:ListKeys', 'iam:ListRoles', 'rds:DescribeDBInstances', 'lambda:ListFunctions', 'dynamodb:ListTables', 'sns:ListTopics', 'sqs:ListQueues'];
    const out = await d.decideBatch(quiet.map((a, i) => event(AFTER + i * 40 * 60_000, { action: a, resource: `arn:aws:${a.split(':')[0]}:::r`, readOnly: true })));
    expect(out.slice(0, 2).every((x) => x.score < 50)).toBe(true);
    const slow = out.filter((x) => codes(x).includes('SLOW_AND_LOW'));
    expect(slow.length).toBe(1);
    expect(slow[0]?.verdict).not.toBe('allow');
  });

  it('counts for slow-and-low only quiet events of what, when and failures (and techniques)', () => {
    const f = (code: string, weight: number, family: Finding['family']): Finding => ({ code, detail: code, weight, family });
    expect(slowPoints([f('NEW_ACTION', 20, 'what'), f('NEW_SOURCE_IP', 9, 'where')], 50)).toBe(20);
    expect(slowPoints([f('NEW_SOURCE_IP', 30, 'where')], 50)).toBe(0);
    expect(slowPoints([f('NEW_ACTION', 8, 'what')], 50)).toBe(0); // noise
    expect(slowPoints([f('NEW_ACTION', 60, 'what')], 50)).toBe(0); // alerts on its own
    expect(slowPoints([f('VOLUME_SPIKE', 45, 'volume')], 50)).toBe(0);
  });

  it('flags one token taking turns between the usual workload and a new one, not a token that always alternates', async () => {
    const d = makeDecider();
    await decideAll(d, routine());
    const other = { ...event(0).source, workload: 'runner-x', ip: '10.1.9.9' };
    const out = await d.decideBatch([event(AFTER), event(AFTER + 30_000, { source: other }), event(AFTER + 60_000)]);
    expect(codes(out[2])).toContain('CONCURRENT_TOKEN_USE');
    expect(out[2]?.reasons.find((r) => r.code === 'CONCURRENT_TOKEN_USE')?.detail).toMatch(/two holders taking turns/);

    const pool = makeDecider();
    const alternating = routine().map((e, i) => (i % 2 === 0 ? e : { ...e, source: { ...e.source, workload: 'ci-2' } }));
    await decideAll(pool, alternating);
    const again = await pool.decideBatch([event(AFTER), event(AFTER + 30_000, { source: { ...event(0).source, workload: 'ci-2' } }), event(AFTER + 60_000)]);
    expect(codes(again[2])).not.toContain('CONCURRENT_TOKEN_USE');
  });

  it('weighs an idle hour by how idle it is: routine calls at 03:00 alert on their own', async () => {
    const d = makeDecider();
    await decideAll(d, routine());
    const [x] = await d.decideBatch([event(START + 10 * DAY + 3 * HOUR)]);
    expect(codes(x)).toContain('UNUSUAL_HOUR');
    expect(x?.reasons.find((r) => r.code === 'UNUSUAL_HOUR')?.weight).toBeGreaterThanOrEqual(50);
    expect(x?.verdict).toBe('alert');
  });
});

describe('corroboration', () => {
  const identity = { identityId: 'svc', owner: 'team', record: null, class: null, environment: null, criticality: null, findings: [] };
  const noPolicy = { verdict: null, shadowVerdict: null, reasons: [], matched: [], policyId: null, excepted: false, protected: false };
  const base = { identity, policy: noPolicy, learning: false, learningWeight: 0.25, familyCap: 45, model: null, modelWeight: 30, suppressed: new Set<string>(), thresholds: { alertAt: 50, blockAt: 80 }, mode: 'enforce' as const };
  const f = (code: string, weight: number, family: Finding['family'], scale?: number): Finding => ({ code, detail: code, weight, family, ...(scale ? { scale } : {}) });

  it('blocks only with points from more than one source of evidence', () => {
    const alone = combine({ ...base, findings: [f('NEW_ACTION', 60, 'what', 2.5), f('NEW_SERVICE', 40, 'what', 2.5), f('NEW_SOURCE_IP', 2, 'where')] });
    expect(alone.verdict).toBe('alert');
    expect(alone.score).toBe(79);
    const agreed = combine({ ...base, findings: [f('NEW_ACTION', 60, 'what', 2.5), f('NEW_SOURCE_ASN', MIN_CORROBORATION + 5, 'where')] });
    expect(agreed.verdict).toBe('block');
  });
});
