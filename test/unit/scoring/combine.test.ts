import { describe, expect, it } from 'vitest';
import { combine } from '../../../src/scoring/combine.js';
import type { CombineInput } from '../../../src/scoring/combine.js';
import { thresholdsFor } from '../../../src/scoring/thresholds.js';
import { decisionIdFor } from '../../../src/decisions/ids.js';
import { parseConfig } from '../../../src/config/load.js';
import type { PolicyEvaluation } from '../../../src/policy/types.js';
import type { Finding } from '../../../src/baseline/finding.js';

const noPolicy: PolicyEvaluation = { verdict: null, shadowVerdict: null, reasons: [], matched: [], policyId: null, excepted: false, protected: false };
const identity = { identityId: 'svc', owner: 'team', record: null, class: null, environment: null, criticality: null, findings: [] };
const f = (code: string, weight: number, family: Finding['family']): Finding => ({ code, detail: code, weight, family });

function input(over: Partial<CombineInput>): CombineInput {
  return { identity, policy: noPolicy, findings: [], learning: false, learningWeight: 0.25, familyCap: 45, model: null, modelWeight: 30, suppressed: new Set(), thresholds: { alertAt: 50, blockAt: 80 }, mode: 'enforce', ...over };
}

describe('combine', () => {
  it('counts the nested views of one change once in full, the others at half', () => {
    const r = combine(input({ findings: [f('NEW_ACTION', 20, 'what'), f('NEW_SERVICE', 20, 'what'), f('NEW_RESOURCE', 15, 'what')] }));
    expect(r.score).toBe(38); // 20 + 10 + 7.5
    expect(r.verdict).toBe('allow');
  });

  it('caps one family so that one kind of ordinary change alone cannot alert', () => {
    const r = combine(input({ findings: [f('NEW_SOURCE_ASN', 40, 'where'), f('NEW_SOURCE_COUNTRY', 30, 'where'), f('NEW_SOURCE_NETWORK', 30, 'where')] }));
    expect(r.score).toBe(45);
    expect(r.verdict).toBe('allow');
  });

  it('widens the cap of a family by the surprise its findings carry, but one family alone never blocks', () => {
    const rare = (code: string, weight: number, scale: number): Finding => ({ ...f(code, weight, 'where'), scale });
    const wide = combine(input({ findings: [rare('NEW_SOURCE_ASN', 40, 1.5), rare('NEW_SOURCE_COUNTRY', 30, 1.5), rare('NEW_SOURCE_NETWORK', 20, 1.5)] }));
    expect(wide.score).toBe(65); // 40 + 15 + 10, under the cap of 45 × 1.5
    expect(wide.verdict).toBe('alert');
    const widest = combine(input({ findings: [rare('NEW_SOURCE_ASN', 75, 2.5), rare('NEW_SOURCE_COUNTRY', 60, 2.5), rare('NEW_SOURCE_NETWORK', 40, 2.5)] }));
    expect(widest.score).toBe(79); // 75 + 30 + 20 = 125, capped just below blockAt 80
    expect(widest.verdict).toBe('alert');
    const twoFamilies = combine(input({ findings: [rare('NEW_SOURCE_ASN', 75, 2.5), { ...f('NEW_ACTION', 30, 'what'), scale: 1.5 }] }));
    expect(twoFamilies.verdict).toBe('block');
  });

  it('weighs a clarity finding once: later events of the same unknown identity carry it without weight or verdict', () => {
    const finding = (opened: boolean) => ({ code: 'UNKNOWN_IDENTITY', detail: 'x is not in the inventory', weight: 60, verdict: 'alert' as const, opened });
    const first = combine(input({ identity: { ...identity, findings: [finding(true)] } }));
    const later = combine(input({ identity: { ...identity, findings: [finding(false)] } }));
    expect([first.verdict, first.score]).toEqual(['alert', 60]);
    expect([later.verdict, later.score]).toEqual(['allow', 0]);
    expect(later.reasons[0]?.code).toBe('UNKNOWN_IDENTITY');
  });

  it('alerts and blocks when independent families agree', () => {
    const alert = combine(input({ findings: [f('NEW_ACTION', 20, 'what'), f('NEW_SOURCE_ASN', 30, 'where')] }));
    expect(alert.verdict).toBe('alert');
    const block = combine(input({ findings: [f('NEW_ACTION', 20, 'what'), f('NEW_SOURCE_ASN', 30, 'where'), f('ENUMERATION', 40, 'signal')] }));
    expect(block.verdict).toBe('block');
    expect(block.reasons[0]?.code).toBe('ENUMERATION');
  });

  it('lets a policy block win over a low score, and an exception cap anomaly blocks at alert', () => {
    const blocked = combine(input({ policy: { ...noPolicy, verdict: 'block', reasons: [{ code: 'POLICY_DENY', detail: 'deny', weight: 0 }], policyId: 'p' } }));
    expect(blocked.verdict).toBe('block');
    expect(blocked.score).toBe(80);
    const excepted = combine(input({ policy: { ...noPolicy, excepted: true }, findings: [f('ENUMERATION', 40, 'signal'), f('FIRST_PRIVILEGED', 40, 'signal'), f('NEW_ACTION', 20, 'what')] }));
    expect(excepted.verdict).toBe('alert');
  });

  it('publishes allow in shadow mode and records what it would have been', () => {
    const r = combine(input({ mode: 'shadow', findings: [f('CONCURRENT_TOKEN_USE', 55, 'signal')] }));
    expect(r.verdict).toBe('allow');
    expect(r.wouldBe).toBe('alert');
  });

  it('weighs findings less while learning and says so', () => {
    const r = combine(input({ learning: true, findings: [f('NEW_SOURCE_ASN', 30, 'where'), f('NEW_ACTION', 20, 'what')] }));
    expect(r.score).toBeLessThan(20);
    expect(r.reasons.map((x) => x.code)).toContain('LEARNING');
  });

  it('takes thresholds from policy, then class, then environment, then defaults', () => {
    const scoring = parseConfig('scoring: { classes: { ci: { blockAt: 95 } }, environments: { prod: { alertAt: 40, blockAt: 70 } } }', 't').scoring;
    expect(thresholdsFor(scoring, 'ci', 'prod')).toEqual({ alertAt: 40, blockAt: 95 });
    expect(thresholdsFor(scoring, null, 'prod')).toEqual({ alertAt: 40, blockAt: 70 });
    expect(thresholdsFor(scoring, null, null, { alertAt: 10 })).toEqual({ alertAt: 10, blockAt: 80 });
  });
});

describe('decision ids', () => {
  it('are stable for an event and change with the policy or model version', () => {
    expect(decisionIdFor('e1', 'p1', null)).toBe(decisionIdFor('e1', 'p1', null));
    expect(decisionIdFor('e1', 'p2', null)).not.toBe(decisionIdFor('e1', 'p1', null));
    expect(decisionIdFor('e1', 'p1', 'ae-1')).not.toBe(decisionIdFor('e1', 'p1', null));
  });
});
