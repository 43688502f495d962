/**
 * Decisions → OCSF 1.5 Detection Findings. Every finding produced here is validated with ajv
 * against the hand-written JSON Schema slice of the OCSF 1.5 class (test/fixtures/ocsf-out/).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { Decision, Reason } from '../../../src/decisions/decision.js';
import { decisionToFinding, riskLevelId, severityId } from '../../../src/ocsf-out/convert.js';
import type { OcsfFinding } from '../../../src/ocsf-out/convert.js';
import { BASELINE_DIMENSIONS } from '../../../src/ocsf-out/anomalies.js';

const schema = JSON.parse(readFileSync(new URL('../../fixtures/ocsf-out/detection-finding-1.5.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);

function valid(finding: OcsfFinding | null): OcsfFinding {
  expect(finding).not.toBeNull();
  const ok = validate(finding);
  expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
  expect(ok).toBe(true);
  return finding!;
}

const options = { productVersion: '0.1.0', logName: 'warden.decisions' };

function decision(overrides: Partial<Decision> = {}): Decision {
  return {
    decisionId: 'd-0001',
    eventId: 'e-0001',
    identity: 'svc-deployer',
    owner: 'team-platform',
    action: 'iam:CreateAccessKey',
    resource: 'arn:aws:iam::123456789012:user/deployer',
    eventTime: '2026-11-20T02:17:03.120Z',
    decidedAt: '2026-11-20T02:17:03.180Z',
    verdict: 'block',
    score: 91,
    mode: 'enforce',
    reasons: [
      { code: 'NEW_ACTION', detail: 'action iam:CreateAccessKey never seen for this identity', weight: 35 },
      { code: 'NEW_SOURCE_ASN', detail: 'source ASN AS14061 never seen for this identity', weight: 30 },
    ],
    policy: { id: 'deployers-no-iam', version: '3f2a' },
    model: null,
    sig: 'ed25519:0123456789abcdef:AAAA',
    ...overrides,
  };
}

/** Details in the forms the baseline detectors write them (src/baseline/detectors/). */
const BASELINE_REASONS: Reason[] = [
  { code: 'NEW_ACTION', detail: 'action iam:CreateAccessKey never seen for this identity', weight: 35 },
  { code: 'NEW_SERVICE', detail: 'service iam seen 2× since 2026-11-02, not yet normal', weight: 10 },
  { code: 'NEW_RESOURCE', detail: 'resource pattern arn:aws:s3:::prod-*/* never seen for this identity', weight: 8 },
  { code: 'NEW_SOURCE_IP', detail: 'source IP 203.0.113.7 never seen for this identity', weight: 5 },
  { code: 'NEW_SOURCE_NETWORK', detail: 'source network 203.0.113.0/24 never seen for this identity', weight: 5 },
  { code: 'NEW_SOURCE_ASN', detail: 'source ASN AS14061 never seen for this identity', weight: 30 },
  { code: 'NEW_SOURCE_COUNTRY', detail: 'source country NL never seen for this identity', weight: 12 },
  { code: 'NEW_REGION', detail: 'region ap-south-1 never seen for this identity', weight: 6 },
  { code: 'NEW_USER_AGENT', detail: 'user-agent family python-requests never seen for this identity', weight: 6 },
  { code: 'NEW_WORKLOAD', detail: 'workload laptop seen 1× since 2026-11-19, not yet normal', weight: 4 },
  { code: 'UNUSUAL_HOUR', detail: "Sun 03:00 UTC holds 0.12% of this identity's activity (hour of week)", weight: 9 },
  { code: 'RATE_SPIKE', detail: '140 calls in 60s against a usual 3.2', weight: 20 },
  { code: 'VOLUME_SPIKE', detail: '52428800 bytes by s3:GetObject against a usual 1024 (z=7.3)', weight: 25 },
  { code: 'FAILURE_BURST', detail: '12 failed or denied calls in 60s', weight: 15 },
  { code: 'DENIED_THEN_SUCCESS', detail: 'succeeded after 6 denied calls in a row', weight: 20 },
  { code: 'RARE_SEQUENCE', detail: 'iam:CreateAccessKey never followed s3:PutObject before', weight: 5 },
  { code: 'CONCURRENT_TOKEN_USE', detail: 'token AKIA1 used from AS14061 12s after use from AS16509', weight: 30 },
  { code: 'FIRST_PRIVILEGED', detail: 'privileged iam:AttachUserPolicy; 0 earlier privileged calls', weight: 25 },
  { code: 'ENUMERATION', detail: '35 new actions/services/resources in 60s', weight: 20 },
  { code: 'SLOW_AND_LOW', detail: '420 risk points over the last hours against a usual 35 (limit 180)', weight: 30 },
  { code: 'DESTRUCTIVE_ACTION', detail: "destructive s3:DeleteBucket is not part of this identity's routine", weight: 20 },
];

describe('decisionToFinding', () => {
  it('a block is a Detection Finding: Create, Denied/Blocked, with risk, reasons and the actor', () => {
    const f = valid(decisionToFinding(decision(), options));
    expect(f).toMatchObject({
      class_uid: 2004,
      category_uid: 2,
      activity_id: 1,
      type_uid: 200401,
      action_id: 2,
      action: 'Denied',
      disposition_id: 2,
      disposition: 'Blocked',
      risk_score: 91,
      risk_level_id: 4,
      risk_level: 'Critical',
      severity_id: 5,
      is_alert: true,
      time: Date.parse('2026-11-20T02:17:03.180Z'),
    });
    expect(f.finding_info).toMatchObject({ uid: 'd-0001', types: ['NEW_ACTION', 'NEW_SOURCE_ASN'], analytic: { type_id: 2, type: 'Behavioral', uid: 'NEW_ACTION' } });
    expect(f.finding_info.title).toBe('Warden blocked svc-deployer: iam:CreateAccessKey');
    expect(f.metadata).toMatchObject({ version: '1.5.0', product: { name: 'Warden', version: '0.1.0' }, profiles: ['security_control', 'cloud'], uid: 'd-0001', log_name: 'warden.decisions' });
    expect(f.evidences[0]).toMatchObject({
      actor: { user: { uid: 'svc-deployer', groups: [{ name: 'team-platform' }] } },
      api: { operation: 'CreateAccessKey', service: { name: 'iam' } },
      src_endpoint: { autonomous_system: { number: 14061 } },
    });
    expect(f.cloud).toEqual({ provider: 'AWS', account: { uid: '123456789012', type_id: 10, type: 'AWS Account' } });
    expect(f.policy).toEqual({ uid: 'deployers-no-iam', name: 'deployers-no-iam', version: '3f2a' });
  });

  it('an alert is Observed/Alert; an allow gives no finding', () => {
    const f = valid(decisionToFinding(decision({ verdict: 'alert', score: 55 }), options));
    expect(f).toMatchObject({ action_id: 3, action: 'Observed', disposition_id: 19, disposition: 'Alert', risk_level_id: 2, severity_id: 3 });
    expect(decisionToFinding(decision({ verdict: 'allow', score: 3 }), options)).toBeNull();
  });

  it('maps every baseline reason to an anomaly analysis with the dimension, the observed value and the baseline', () => {
    const f = valid(decisionToFinding(decision({ reasons: BASELINE_REASONS, resource: null }), options));
    const analyses = f.anomaly_analyses ?? [];
    expect(analyses).toHaveLength(BASELINE_REASONS.length);
    for (const a of analyses) expect(a.analysis_targets).toEqual([{ name: 'svc-deployer', type: 'Identity' }]);
    const byParam = new Map(analyses.map((a) => [a.anomalies[0]!.observation_parameter, a]));
    expect(byParam.get('action')).toMatchObject({ anomalies: [{ observations: [{ value: 'iam:CreateAccessKey' }] }], baselines: [{ observations: [{ value: 'iam:CreateAccessKey', count: 0 }] }] });
    expect(byParam.get('service')).toMatchObject({ baselines: [{ observations: [{ value: 'iam', count: 2, timespan: { start_time: Date.parse('2026-11-02T00:00:00Z') } }] }] });
    expect(byParam.get('resource_pattern')?.anomalies[0]?.observations[0]?.value).toBe('arn:aws:s3:::prod-*/*');
    expect(byParam.get('source.user_agent_family')?.anomalies[0]?.observations[0]?.value).toBe('python-requests');
    expect(byParam.get('request_rate')).toMatchObject({ anomalies: [{ observations: [{ value: '140', timespan: { duration_secs: 60 } }] }], baselines: [{ observations: [{ value: '3.2' }] }] });
    expect(byParam.get('volume.bytes')).toMatchObject({ anomalies: [{ observations: [{ value: '52428800' }] }], baselines: [{ observations: [{ value: '1024' }], observed_pattern: 'z=7.3' }] });
    expect(byParam.get('activity_hour')).toMatchObject({ anomalies: [{ observations: [{ value: 'Sun 03:00 UTC' }] }], baselines: [{ observations: [{ value: '0.12%' }] }] });
    expect(byParam.get('accumulated_risk')).toMatchObject({ anomalies: [{ observations: [{ value: '420' }] }], baselines: [{ observations: [{ value: '35' }], observed_pattern: 'limit 180' }] });
    expect(byParam.get('action_sequence')?.anomalies[0]?.observations[0]?.value).toBe('s3:PutObject -> iam:CreateAccessKey');
    // A detail in no known form still gives an anomaly carrying its text.
    expect(byParam.get('token_sources')?.anomalies[0]?.observations[0]?.value).toContain('token AKIA1');
    // The source endpoint comes from the source reasons.
    expect(f.evidences[0]?.src_endpoint).toEqual({ ip: '203.0.113.7', autonomous_system: { number: 14061 }, location: { country: 'NL' } });
    expect(f.cloud).toBeUndefined();
    expect(f.metadata.profiles).toEqual(['security_control']);
  });

  it('knows a dimension for every behavioural reason code', () => {
    for (const code of ['NEW_ACTION', 'UNUSUAL_HOUR', 'RATE_SPIKE', 'VOLUME_SPIKE', 'SLOW_AND_LOW', 'MODEL_ANOMALY']) expect(BASELINE_DIMENSIONS[code]).toBeTruthy();
  });

  it('policy, identity and technique reasons are not anomalies; techniques become attacks', () => {
    const f = valid(
      decisionToFinding(
        decision({
          reasons: [
            { code: 'POLICY_DENY', detail: 'deployers-no-iam/deny-iam: iam is denied', weight: 90 },
            { code: 'ATTACK_TECHNIQUE', detail: 'T1098.001 Additional Cloud Credentials', weight: 40, technique: 'T1098.001', tactic: 'persistence', entry: 'aws-iam-create-access-key' },
            { code: 'UNKNOWN_IDENTITY', detail: 'svc-x is not in the inventory', weight: 30 },
          ],
          owner: null,
          resource: 'projects/acme-prod-42/secrets/db',
        }),
        options,
      ),
    );
    expect(f.anomaly_analyses).toBeUndefined();
    expect(f.attacks).toEqual([{ technique: { uid: 'T1098.001' }, tactic: { name: 'persistence' }, version: 'ATT&CK' }]);
    expect(f.finding_info.attacks).toEqual(f.attacks);
    expect(f.finding_info.analytic).toMatchObject({ type_id: 1, type: 'Rule', uid: 'deployers-no-iam' });
    expect(f.cloud).toEqual({ provider: 'GCP', project_uid: 'acme-prod-42' });
    expect((f.evidences[0]?.actor as { user: Record<string, unknown> }).user.groups).toBeUndefined();
  });

  it('validates decisions of every shape: no reasons, shadow, degraded, odd actions, IPv6 sources', () => {
    const shapes: Array<Partial<Decision>> = [
      { reasons: [], score: 80 },
      { verdict: 'alert', score: 0, reasons: [{ code: 'MODEL_ANOMALY', detail: 'model anomaly 0.93', weight: 12 }], model: 'ae-2026-11-20' },
      { degraded: true, reasons: [{ code: 'STORE_UNAVAILABLE', detail: 'baseline store unavailable', weight: 0 }] },
      { action: 'deploy', resource: 'k8s://prod/deployments/api' },
      { action: 'github:repo.destroy', resource: null, reasons: [{ code: 'NEW_SOURCE_IP', detail: 'source IP 2001:db8::1 never seen for this identity', weight: 5 }] },
      { reasons: [{ code: 'SIGMA:4f1c', detail: 'Sigma rule matched', weight: 40 }] },
      { decidedAt: 'not a date' },
    ];
    for (const s of shapes) valid(decisionToFinding(decision(s), options));
    const v6 = decisionToFinding(decision(shapes[4]), options)!;
    expect(v6.evidences[0]?.src_endpoint).toEqual({ ip: '2001:db8::1' });
    expect(v6.evidences[0]?.api).toEqual({ operation: 'repo.destroy', service: { name: 'github' } });
  });

  it('the schema slice rejects what OCSF forbids (it can fail)', () => {
    const f = decisionToFinding(decision(), options)!;
    expect(validate({ ...f, class_uid: 2003 })).toBe(false);
    expect(validate({ ...f, finding_info: { title: 'no uid' } })).toBe(false);
    expect(validate({ ...f, disposition_id: 42 })).toBe(false);
    expect(validate({ ...f, actor_name: 'not OCSF' })).toBe(false);
    expect(validate({ ...f, anomaly_analyses: [{ analysis_targets: [{ name: 'x' }], anomalies: [{ observations: [{ value: '1' }] }] }] })).toBe(false);
    const { cloud: _cloud, ...noCloud } = f;
    expect(validate(noCloud)).toBe(false);
  });

  it('maps scores to risk levels and severities', () => {
    expect([0, 1, 39, 40, 69, 70, 89, 90, 100].map(riskLevelId)).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect(severityId('alert', 50)).toBe(3);
    expect(severityId('block', 50)).toBe(4);
    expect(severityId('block', 95)).toBe(5);
  });

  it('docs/ocsf.md maps every attribute a finding carries', () => {
    const docs = readFileSync('docs/ocsf.md', 'utf8');
    const paths = new Set<string>();
    const walk = (v: unknown, path: string, depth: number): void => {
      if (depth > 2 || v === null || typeof v !== 'object' || Array.isArray(v)) return;
      for (const [k, child] of Object.entries(v)) {
        const p = path ? `${path}.${k}` : k;
        const stop = ['unmapped', 'anomaly_analyses', 'attacks', 'evidences', 'resources', 'cloud', 'api', 'policy', 'finding_info.analytic', 'finding_info.attacks', 'metadata.product'].includes(p);
        const container = child !== null && typeof child === 'object' && !Array.isArray(child);
        if (stop || !container) paths.add(p);
        if (!stop) walk(child, p, depth + 1);
      }
    };
    for (const d of [decision(), decision({ verdict: 'alert', reasons: [...BASELINE_REASONS, { code: 'ATTACK_TECHNIQUE', detail: 't', weight: 1, technique: 'T1', tactic: 'x' }] })]) walk(decisionToFinding(d, options), '', 0);
    const missing = [...paths].filter((p) => !docs.includes(`\`${p}`) && !docs.includes(`\`${p.split('.').pop()}\``));
    expect(missing).toEqual([]);
  });
});
