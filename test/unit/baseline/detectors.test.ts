import { describe, expect, it } from 'vitest';
import { DAY, HOUR, START, codes, decideAll, event, makeDecider, routine } from './helpers.js';
import { parseConfig } from '../../../src/config/load.js';
import { compileBaselineRules } from '../../../src/baseline/config.js';
import { extractFeatures } from '../../../src/baseline/features.js';
import type { Finding } from '../../../src/baseline/finding.js';
import { learnEvent } from '../../../src/baseline/learn.js';
import { DIMENSIONS, emptyProfile } from '../../../src/baseline/profile.js';
import { CODES, detectNovelty } from '../../../src/baseline/detectors/novelty.js';

const AFTER = START + 10 * DAY + 10 * HOUR;

describe('detectNovelty', () => {
  it('judges every dimension of DIMENSIONS, in that order', () => {
    const config = parseConfig('{}', 't');
    const rules = compileBaselineRules(config.baseline);
    const p = emptyProfile('svc-deployer', config.baseline.sequenceSketchWidth);
    for (const e of routine()) learnEvent(p, e, extractFeatures(e), rules, true);
    const source = { ip: '203.0.113.9', asn: 'AS64500', country: 'NZ', region: 'ap-southeast-2', userAgent: 'curl/8.5', workload: 'laptop' };
    const out: Finding[] = [];
    detectNovelty(p, extractFeatures(event(START + 11 * DAY + 10 * HOUR, { action: 'iam:CreateUser', resource: 'arn:aws:iam:::user/x', source })), rules, out);
    expect(out.map((f) => f.code)).toEqual(DIMENSIONS.map((d) => CODES[d].code));
  });
});

describe('baseline detectors through the decider', () => {
  it('keeps the routine quiet and flags a stolen credential used from a new network', async () => {
    const d = makeDecider();
    const history = await decideAll(d, routine());
    expect(history.slice(-60).every((x) => x.verdict === 'allow')).toBe(true);
    const [stolen] = await d.decideBatch([
      event(AFTER, { action: 'iam:ListUsers', resource: 'arn:aws:iam:::user/*', source: { ip: '167.99.1.2', asn: 'AS14061', country: 'NL', region: 'eu-west-1', userAgent: 'python-requests/2.31' } }),
    ]);
    expect(stolen?.verdict).not.toBe('allow');
    expect(codes(stolen)).toEqual(expect.arrayContaining(['NEW_SOURCE_ASN', 'NEW_SOURCE_COUNTRY', 'NEW_ACTION', 'NEW_SERVICE']));
  });

  it("alerts on a narrow identity's first new write from its usual source, then absorbs it as it recurs", async () => {
    const d = makeDecider();
    await decideAll(d, routine());
    const scores: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [x] = await d.decideBatch([event(AFTER + i * HOUR, { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:::jobs' })]);
      scores.push(x?.score ?? -1);
    }
    // The routine shows a new action almost never: the first new write is surprising enough to alert.
    expect(scores[0]).toBeGreaterThanOrEqual(50);
    expect(scores[0]).toBeLessThan(80);
    // Its sightings come from the usual context (nothing else unusual), so they absorb it.
    expect(scores[3]).toBe(0);
  });

  it('raises a failure burst on repeated denials and flags the success that follows', async () => {
    const d = makeDecider();
    await decideAll(d, routine());
    const denied = Array.from({ length: 5 }, (_, i) => event(AFTER + i * 10_000, { outcome: 'denied' }));
    const out = await d.decideBatch([...denied, event(AFTER + 60_000)]);
    expect(codes(out[3])).not.toContain('FAILURE_BURST');
    expect(codes(out[4])).toContain('FAILURE_BURST');
    expect(codes(out[5])).toContain('DENIED_THEN_SUCCESS');
  });

  it('flags one token used from two networks at once', async () => {
    const d = makeDecider();
    await decideAll(d, routine());
    const out = await d.decideBatch([
      event(AFTER),
      event(AFTER + 30_000, { source: { ip: '51.38.1.1', asn: 'AS16276', country: 'FR', region: 'eu-west-1', userAgent: 'terraform/1.9' } }),
    ]);
    expect(codes(out[1])).toContain('CONCURRENT_TOKEN_USE');
    expect(out[1]?.verdict).not.toBe('allow');
  });

  it('flags a multi-GB read by an action that never moved data', async () => {
    const d = makeDecider();
    await decideAll(d, routine());
    const [x] = await d.decideBatch([event(AFTER, { action: 'sts:GetCallerIdentity', resource: '', bytes: 5_000_000_000 })]);
    expect(codes(x)).toContain('VOLUME_SPIKE');
  });

  it('flags enumeration of many new resources in a short window', async () => {
    const d = makeDecider();
    await decideAll(d, routine());
    const recon = ['ec2:DescribeInstances', 'rds:DescribeDBInstances', 'kms:ListKeys', 'lambda:ListFunctions', 'dynamodb:ListTables'].map((a, i) =>
      event(AFTER + i * 5_000, { action: a, resource: `arn:aws:${a.split(':')[0]}:::x${i}`, readOnly: true }),
    );
    const out = await d.decideBatch(recon);
    expect(codes(out[3])).toContain('ENUMERATION');
    expect(out.slice(0, 5).some((x) => x.verdict !== 'allow')).toBe(true);
  });

  it('flags activity at an hour the identity never works', async () => {
    const d = makeDecider();
    await decideAll(d, routine());
    const [x] = await d.decideBatch([event(START + 10 * DAY + 3 * HOUR)]);
    expect(codes(x)).toContain('UNUSUAL_HOUR');
  });

  it('weighs a churning dimension (hosted CI runner IPs) less than a stable one', async () => {
    const d = makeDecider();
    const events = routine().map((e, i) => ({ ...e, source: { ...e.source, ip: `20.${i % 200}.${(i * 7) % 250}.${(i % 250) + 1}` } }));
    await decideAll(d, events);
    const [x] = await d.decideBatch([event(AFTER, { source: { ...event(0).source, ip: '20.250.250.250' } })]);
    expect(codes(x)).not.toContain('NEW_SOURCE_IP');
    expect(x?.verdict).toBe('allow');
  });

  it('is bounded: a flood of distinct resources never grows a map past its cap', async () => {
    const { parseConfig } = await import('../../../src/config/load.js');
    const config = parseConfig('baseline: { maxEntriesPerMap: 64 }', 't');
    const { MemoryBaselineStore } = await import('../../../src/baseline/store-memory.js');
    const { createDecider } = await import('../../../src/scoring/decider.js');
    const { createEmptyPolicy, createInventoryResolver } = await import('../../helpers/decision-context.js');
    const store = new MemoryBaselineStore();
    const d = createDecider({ config, resolver: createInventoryResolver(null, config), policy: createEmptyPolicy(), store });
    await d.decideBatch(Array.from({ length: 2000 }, (_, i) => event(START + i * 60_000, { resource: `arn:aws:s3:::bucket${i}x/obj` })));
    const p = await store.get('svc-deployer');
    expect(Object.keys(p?.maps.resource.entries ?? {}).length).toBeLessThanOrEqual(64 + 8);
    expect(p?.events).toBe(2000);
  });
});
