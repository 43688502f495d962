/**
 * Sigma matches in the decider: a reason SIGMA:<rule id> weighted by the rule's level on the
 * knowledge pack's tiers; a high rule alerts on its own, a critical one blocks once anything else
 * corroborates it (as a knowledge-pack critical does), informational ones are reported unweighted.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { createNormalizer } from '../../../src/events/index.js';
import type { WardenEvent } from '../../../src/events/event.js';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import { createDecider } from '../../../src/scoring/decider.js';
import { isReasonCode } from '../../../src/decisions/reason-codes.js';
import { compileSigmaRules, loadSigmaDirs } from '../../../src/sigma/index.js';
import { compileKnowledgePack } from '../../../src/knowledge/index.js';
import type { SigmaRuleSet } from '../../../src/sigma/index.js';
import { createEmptyPolicy, createInventoryResolver } from '../../helpers/decision-context.js';

const config = parseConfig('{}', 't');
const rules = loadSigmaDirs(['test/fixtures/sigma/rules']);
const normalize = createNormalizer();
const USER = 'arn:aws:iam::111122223333:user/svc-reports';
const START = Date.parse('2026-11-02T00:00:00Z');
const HOUR = 3_600_000;

let seq = 0;
/** One CloudTrail record of svc-reports, normalized (so the event keeps its original record). */
function cloudtrail(t: number, fields: Record<string, unknown>): WardenEvent {
  const record = {
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAREPORTS', arn: USER, accountId: '111122223333', accessKeyId: 'AKIAREPORTS', userName: 'svc-reports' },
    eventTime: new Date(t).toISOString(),
    eventSource: 's3.amazonaws.com',
    eventName: 'PutObject',
    awsRegion: 'us-east-1',
    sourceIPAddress: '10.30.0.5',
    userAgent: '[aws-sdk-go/1.44.0]',
    requestParameters: { bucketName: 'reports', key: `daily/${seq}.csv` },
    eventID: `reports-${seq++}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    ...fields,
  };
  const [event] = normalize(JSON.stringify(record), { line: seq }).events;
  return event!;
}

/** Two weeks of the same working-hours routine: the identity is past its learning period. */
function routine(): WardenEvent[] {
  const out: WardenEvent[] = [];
  for (let d = 0; d < 14; d++) for (let h = 9; h <= 17; h++) for (let k = 0; k < 3; k++) out.push(cloudtrail(START + d * 24 * HOUR + h * HOUR + k * 60_000, {}));
  return out;
}

const deciderWith = (sigma: SigmaRuleSet | null) => createDecider({ config, resolver: createInventoryResolver(null, config), policy: createEmptyPolicy(), store: new MemoryBaselineStore(), sigma });
// From the identity's usual network and tool: only the action is new.
const keyForAdmin = (t: number) => cloudtrail(t, { eventSource: 'iam.amazonaws.com', eventName: 'CreateAccessKey', requestParameters: { userName: 'admin' } });

describe('Sigma rules in the decider', () => {
  it('a high rule alerts from the first event, with the rule and its ATT&CK tags in the reason', async () => {
    const stop = cloudtrail(START, { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging', requestParameters: { name: 'org-trail' } });
    const [d] = await deciderWith(rules).decideBatch([stop]);
    expect(d?.verdict).toBe('alert');
    const reason = d?.reasons.find((r) => r.code === 'SIGMA:6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0a02');
    expect(reason).toMatchObject({ weight: 55, technique: 'T1562.008', tactic: 'defense-evasion' });
    expect(reason?.detail).toBe('Sigma rule "CloudTrail Logging Stopped Or Changed" (high)');
    expect(isReasonCode(reason!.code)).toBe(true);
    const [without] = await deciderWith(null).decideBatch([cloudtrail(START, { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' })]);
    expect(without?.verdict).toBe('allow');
  });

  it('a critical rule blocks when the baseline corroborates it, as a knowledge-pack critical does', async () => {
    const history = routine();
    const withRules = deciderWith(rules);
    const plain = deciderWith(null);
    await withRules.decideBatch(history);
    await plain.decideBatch(history);
    const t = START + 14 * 24 * HOUR + 10 * HOUR;
    const [blocked] = await withRules.decideBatch([keyForAdmin(t)]);
    const [baselineOnly] = await plain.decideBatch([keyForAdmin(t)]);
    expect(blocked?.verdict).toBe('block');
    expect(blocked?.reasons.find((r) => r.code.startsWith('SIGMA:'))).toMatchObject({ code: 'SIGMA:6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0a01', weight: 70, technique: 'T1098.001', tactic: 'persistence' });
    expect(baselineOnly?.verdict).not.toBe('block');
    expect(blocked!.score).toBeGreaterThan(baselineOnly!.score);
    // The same action as a knowledge-pack critical entry weighs and decides the same.
    const knowledge = compileKnowledgePack([{ file: 'k.yaml', text: 'version: 1\nsource: aws\nentries:\n  - { id: aws.iam.key, actions: [iam:CreateAccessKey], tactic: persistence, technique: T1098.001, name: Key, tier: critical }\n' }]);
    const pack = createDecider({ config, resolver: createInventoryResolver(null, config), policy: createEmptyPolicy(), store: new MemoryBaselineStore(), knowledge });
    await pack.decideBatch(history);
    const [byPack] = await pack.decideBatch([keyForAdmin(t)]);
    expect([byPack?.verdict, byPack?.score]).toEqual([blocked?.verdict, blocked?.score]);
    expect(byPack?.reasons.find((r) => r.code === 'ATTACK_TECHNIQUE')?.weight).toBe(70);
  });

  it('a critical rule alone (no other evidence) alerts but does not block', async () => {
    const first = keyForAdmin(START);
    const [d] = await deciderWith(rules).decideBatch([first]);
    expect(d?.verdict).toBe('alert');
  });

  it('reports an informational rule with no weight, and weighs further hits of one event at half', async () => {
    const read = cloudtrail(START, { eventName: 'GetObject', awsRegion: 'eu-west-1', readOnly: true });
    const [d] = await deciderWith(rules).decideBatch([read]);
    expect(d?.verdict).toBe('allow');
    expect(d?.reasons.find((r) => r.code === 'SIGMA:6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0a06')).toMatchObject({ weight: 0, detail: 'Sigma rule "Successful Get Calls In An EU West Region" (informational)' });
    // Root at the console stopping the trail: two high rules (55 and 55 / 2) and a low one, reported with the low tier's 0 points.
    const stop = normalize(JSON.stringify({ eventVersion: '1.08', userIdentity: { type: 'Root', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' }, eventTime: '2026-11-02T04:00:00Z', eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging', awsRegion: 'us-east-1', sourceIPAddress: '203.0.113.9', userAgent: 'console.amazonaws.com', eventID: 'root-stop' }), {}).events[0]!;
    const [both] = await deciderWith(rules).decideBatch([stop]);
    expect(both?.reasons.filter((r) => r.code.startsWith('SIGMA:')).map((r) => r.weight).sort((a, b) => a - b)).toEqual([0, 28, 55]);
  });

  it('a rule and a knowledge entry naming the same technique count once: they do not corroborate each other into a block', async () => {
    const knowledge = compileKnowledgePack([{ file: 'k.yaml', text: 'version: 1\nsource: aws\nentries:\n  - { id: aws.ct.stop, actions: [cloudtrail:StopLogging], tactic: defense-evasion, technique: T1562.008, name: Stop logging, tier: critical }\n' }]);
    const d = createDecider({ config, resolver: createInventoryResolver(null, config), policy: createEmptyPolicy(), store: new MemoryBaselineStore(), knowledge, sigma: rules });
    const [stop] = await d.decideBatch([cloudtrail(START, { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' })]);
    expect(stop?.verdict).toBe('alert');
    expect(stop?.reasons.find((r) => r.code === 'ATTACK_TECHNIQUE')?.weight).toBe(70);
    expect(stop?.reasons.find((r) => r.code === 'SIGMA:6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0a02')).toMatchObject({ weight: 0, detail: expect.stringContaining('counted once, with knowledge entry aws.ct.stop (same action)') });
  });

  it('a rule naming only the action counts once next to a knowledge entry at least as strong, whatever ATT&CK id it is tagged with', async () => {
    const knowledge = compileKnowledgePack([{ file: 'k.yaml', text: 'version: 1\nsource: aws\nentries:\n  - { id: aws.ct.stop, actions: [cloudtrail:StopLogging], tactic: defense-evasion, technique: T1562.008, name: Stop logging, tier: critical }\n' }]);
    const newer = compileSigmaRules([
      { file: 'a.yml', text: 'title: Trail change\nid: r-action\nlevel: high\ntags: [attack.t1685.002]\nlogsource: { product: aws, service: cloudtrail }\ndetection:\n  sel: { eventName: StopLogging }\n  condition: sel\n' },
      { file: 'b.yml', text: 'title: Trail change by root\nid: r-root\nlevel: high\ntags: [attack.t1685.002]\nlogsource: { product: aws, service: cloudtrail }\ndetection:\n  sel: { eventName: StopLogging, userIdentity.type: IAMUser }\n  condition: sel\n' },
    ]);
    const d = createDecider({ config, resolver: createInventoryResolver(null, config), policy: createEmptyPolicy(), store: new MemoryBaselineStore(), knowledge, sigma: newer });
    const [stop] = await d.decideBatch([cloudtrail(START, { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' })]);
    expect(stop?.reasons.find((r) => r.code === 'SIGMA:r-action')).toMatchObject({ weight: 0, detail: expect.stringContaining('counted once, with knowledge entry aws.ct.stop (same action)') });
    // A rule on the request or the caller says more than the action: it still counts (half, as a further hit)…
    expect(stop?.reasons.find((r) => r.code === 'SIGMA:r-root')?.weight).toBe(28);
    // …unless it names the knowledge entry's own technique.
    const same = compileSigmaRules([{ file: 'c.yml', text: 'title: Trail change by root\nid: r-same\nlevel: high\ntags: [attack.t1562.008]\nlogsource: { product: aws, service: cloudtrail }\ndetection:\n  sel: { eventName: StopLogging, userIdentity.type: IAMUser }\n  condition: sel\n' }]);
    const d2 = createDecider({ config, resolver: createInventoryResolver(null, config), policy: createEmptyPolicy(), store: new MemoryBaselineStore(), knowledge, sigma: same });
    const [again] = await d2.decideBatch([cloudtrail(START, { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' })]);
    expect(again?.reasons.find((r) => r.code === 'SIGMA:r-same')).toMatchObject({ weight: 0, detail: expect.stringContaining('counted once, with knowledge entry aws.ct.stop (same technique)') });
    expect(again?.verdict).toBe('alert');
  });

  it('still applies Sigma rules while the baseline store is down', async () => {
    const stop = cloudtrail(START, { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' });
    const [d] = await deciderWith(rules).decideBatch([stop], undefined, { storeUnavailable: true });
    expect([d?.verdict, d?.degraded]).toEqual(['alert', true]);
    expect(d?.reasons.some((r) => r.code === 'SIGMA:6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0a02')).toBe(true);
  });

  it('reads the rules in force for every batch when given a function (hot reload)', async () => {
    let current: SigmaRuleSet = loadSigmaDirs([]);
    const d = createDecider({ config, resolver: createInventoryResolver(null, config), policy: createEmptyPolicy(), store: new MemoryBaselineStore(), sigma: () => current });
    const stop = () => cloudtrail(START, { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' });
    expect((await d.decideBatch([stop()]))[0]?.verdict).toBe('allow');
    current = rules;
    expect((await d.decideBatch([stop()]))[0]?.verdict).toBe('alert');
  });
});
