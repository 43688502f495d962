/**
 * A decision record for tests of what is done with decisions (signing, encoding, reading back):
 * decision i of identity `svc-<i mod 3>`; an allow scores `i mod 7`, anything else is a policy
 * deny at 90. `extra` overrides any field.
 */
import type { Decision, Verdict } from '../../src/decisions/decision.js';

export function sampleDecision(i: number, verdict: Verdict = 'allow', extra: Partial<Decision> = {}): Decision {
  return {
    action: 's3:GetObject',
    decidedAt: '2026-11-20T10:00:00.000Z',
    decisionId: `d${i}`,
    eventId: `e${i}`,
    eventTime: '2026-11-20T10:00:00.000Z',
    identity: `svc-${i % 3}`,
    mode: 'enforce',
    model: null,
    owner: 'team-a',
    policy: { id: verdict === 'allow' ? null : 'no-iam', version: 'p1' },
    reasons: verdict === 'allow' ? [] : [{ code: 'POLICY_DENY', detail: 'iam is denied', weight: 90 }],
    resource: 'arn:aws:s3:::bucket/key',
    score: verdict === 'allow' ? i % 7 : 90,
    verdict,
    ...extra,
  };
}

/**
 * `count` decisions numbered from `from`, as a stream to sign and verify: decision i of identity
 * `svc-<i mod 4>`; every tenth (i mod 10 = 3) an alert at 60 (NEW_ACTION), the others allows at 2.
 */
export function streamDecisions(count: number, from = 0): Decision[] {
  return Array.from({ length: count }, (_, k): Decision => {
    const i = from + k;
    const flagged = i % 10 === 3;
    return {
      action: 's3:GetObject',
      decidedAt: '2026-11-20T10:00:00.000Z',
      decisionId: `d-${i}`,
      eventId: `evt-${i}`,
      eventTime: '2026-11-20T10:00:00.000Z',
      identity: `svc-${i % 4}`,
      mode: 'enforce',
      model: null,
      owner: null,
      policy: { id: null, version: 'p1' },
      reasons: flagged ? [{ code: 'NEW_ACTION', detail: 'first use', weight: 60 }] : [],
      resource: null,
      score: flagged ? 60 : 2,
      verdict: flagged ? 'alert' : 'allow',
    };
  });
}
