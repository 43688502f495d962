/**
 * Alert and block decisions as OCSF 1.5 Detection Findings (class 2004) with the security-control
 * profile. Pure: a decision in, a finding out; docs/ocsf.md has the mapping table and
 * test/fixtures/ocsf-out/ the JSON Schema slice every finding is validated against.
 */
import type { Decision, Reason } from '../decisions/decision.js';
import { REASON_CODES, isReasonCode } from '../decisions/reason-codes.js';
import { anomalyAnalyses } from './anomalies.js';
import type { OcsfAnomalyAnalysis } from './anomalies.js';
import { apiOf, cloudOf, srcEndpointOf } from './context.js';
import type { OcsfApi, OcsfCloud } from './context.js';

export const OCSF_VERSION = '1.5.0';
export const DETECTION_FINDING = { class_uid: 2004, class_name: 'Detection Finding', category_uid: 2, category_name: 'Findings' } as const;
export const ACTIVITY_CREATE = { activity_id: 1, activity_name: 'Create', type_uid: 200401, type_name: 'Detection Finding: Create' } as const;

/** security_control profile: what the control did (`action_id`) and the outcome (`disposition_id`). */
const CONTROL = {
  block: { action_id: 2, action: 'Denied', disposition_id: 2, disposition: 'Blocked' },
  alert: { action_id: 3, action: 'Observed', disposition_id: 19, disposition: 'Alert' },
} as const;

const SEVERITY = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical'] as const;
const RISK_LEVEL = ['Info', 'Low', 'Medium', 'High', 'Critical'] as const;

/** OCSF `risk_level_id` for a 0..100 risk score. */
export function riskLevelId(score: number): 0 | 1 | 2 | 3 | 4 {
  if (score >= 90) return 4;
  if (score >= 70) return 3;
  if (score >= 40) return 2;
  if (score >= 1) return 1;
  return 0;
}

/** OCSF `severity_id`: from the score, and at least High for a block (it stops work). */
export function severityId(verdict: 'alert' | 'block', score: number): 2 | 3 | 4 | 5 {
  const fromScore = score >= 90 ? 5 : score >= 70 ? 4 : score >= 40 ? 3 : 2;
  return verdict === 'block' ? (Math.max(fromScore, 4) as 4 | 5) : fromScore;
}

/** The analytic behind a reason: a policy or knowledge rule, the learned baseline, or the model. */
function analyticOf(reason: Reason | undefined, decision: Decision): { uid: string; name: string; type_id: number; type: string; version?: string } {
  const code = reason?.code ?? 'RISK_SCORE';
  if (code.startsWith('POLICY_')) return { uid: decision.policy.id ?? code, name: `policy ${decision.policy.id ?? 'set'}: ${code}`, type_id: 1, type: 'Rule', version: decision.policy.version };
  if (code === 'ATTACK_TECHNIQUE') return { uid: reason?.entry ?? code, name: `knowledge pack ${reason?.entry ?? ''}`.trim(), type_id: 1, type: 'Rule' };
  if (code === 'MODEL_ANOMALY') return decision.model ? { uid: decision.model, name: 'autoencoder', type_id: 4, type: 'Learning (ML/DL)', version: decision.model } : { uid: code, name: 'autoencoder', type_id: 4, type: 'Learning (ML/DL)' };
  if (code.startsWith('SIGMA:')) return { uid: code.slice(6), name: `Sigma rule ${code.slice(6)}`, type_id: 1, type: 'Rule' };
  if (code in { UNKNOWN_IDENTITY: 1, UNOWNED_TOKEN: 1, SHARED_TOKEN: 1, UNVERIFIED_OWNER: 1, OPERATOR_BLOCK: 1 }) return { uid: code, name: `identity inventory: ${code}`, type_id: 1, type: 'Rule' };
  return { uid: code, name: `behavioural baseline: ${code}`, type_id: 2, type: 'Behavioral' };
}

export interface OcsfFinding {
  class_uid: 2004;
  class_name: string;
  category_uid: 2;
  category_name: string;
  activity_id: 1;
  activity_name: string;
  type_uid: 200401;
  type_name: string;
  time: number;
  severity_id: number;
  severity: string;
  status_id: 1;
  status: 'New';
  message: string;
  is_alert: true;
  action_id: number;
  action: string;
  disposition_id: number;
  disposition: string;
  risk_score: number;
  risk_level_id: number;
  risk_level: string;
  confidence_id?: number;
  finding_info: Record<string, unknown>;
  anomaly_analyses?: OcsfAnomalyAnalysis[];
  attacks?: Array<Record<string, unknown>>;
  policy?: { uid?: string; name: string; version: string };
  evidences: Array<Record<string, unknown>>;
  resources?: Array<{ uid: string; name: string; owner?: { name: string } }>;
  cloud?: OcsfCloud;
  api?: OcsfApi;
  metadata: Record<string, unknown>;
  unmapped: Record<string, unknown>;
}

export interface ConvertOptions {
  /** Warden's version, for `metadata.product.version`. */
  productVersion: string;
  /** The topic the decision was read from, for `metadata.log_name`. @defaultValue 'warden.decisions' */
  logName?: string;
}

function attacksOf(reasons: readonly Reason[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const seen = new Set<string>();
  for (const r of reasons) {
    if (r.code !== 'ATTACK_TECHNIQUE' || r.technique === undefined || seen.has(r.technique)) continue;
    seen.add(r.technique);
    const attack: Record<string, unknown> = { technique: { uid: r.technique }, version: 'ATT&CK' };
    if (r.tactic !== undefined) attack.tactic = { name: r.tactic };
    out.push(attack);
  }
  return out;
}

/** The decision as an OCSF Detection Finding, or null for an allow (nothing to report). */
export function decisionToFinding(decision: Decision, options: ConvertOptions): OcsfFinding | null {
  if (decision.verdict === 'allow') return null;
  const verdict = decision.verdict;
  const reasons = [...decision.reasons].sort((a, b) => b.weight - a.weight);
  const top = reasons[0];
  const decidedAt = Date.parse(decision.decidedAt);
  const eventAt = Date.parse(decision.eventTime);
  const time = Number.isFinite(decidedAt) ? decidedAt : eventAt;
  const control = CONTROL[verdict];
  const sev = severityId(verdict, decision.score);
  const risk = riskLevelId(decision.score);
  const codes = [...new Set(reasons.map((r) => r.code))];
  const what = verdict === 'block' ? 'blocked' : 'flagged';
  const title = `Warden ${what} ${decision.identity}: ${decision.action}`;
  const desc = reasons.length === 0 ? `risk ${decision.score}` : reasons.map((r) => `${r.code} (+${r.weight}): ${r.detail}`).join('; ');
  const attacks = attacksOf(reasons);
  const analytic = analyticOf(top, decision);
  const findingInfo: Record<string, unknown> = {
    uid: decision.decisionId,
    title,
    desc,
    types: codes.length > 0 ? codes : ['RISK_SCORE'],
    analytic,
    created_time: time,
    data_sources: [options.logName ?? 'warden.decisions'],
  };
  if (Number.isFinite(eventAt)) {
    findingInfo.first_seen_time = eventAt;
    findingInfo.last_seen_time = eventAt;
  }
  if (attacks.length > 0) findingInfo.attacks = attacks;

  const user: Record<string, unknown> = { uid: decision.identity, name: decision.identity, type_id: 3, type: 'System' };
  if (decision.owner !== null) user.groups = [{ name: decision.owner, type: 'owner team' }];
  const evidence: Record<string, unknown> = { actor: { user }, api: apiOf(decision.action) };
  const src = srcEndpointOf(decision);
  if (src) evidence.src_endpoint = src;
  const resource: { uid: string; name: string; owner?: { name: string } } | undefined = decision.resource === null ? undefined : { uid: decision.resource, name: decision.resource };
  if (resource && decision.owner !== null) resource.owner = { name: decision.owner };
  const resources = resource ? [resource] : undefined;
  if (resources) evidence.resources = resources;
  const cloud = cloudOf(decision.resource);
  const profiles = cloud ? ['security_control', 'cloud'] : ['security_control'];
  const labels = [`mode:${decision.mode}`];
  if (decision.degraded) labels.push('degraded');

  // Built as one literal without spreads: V8 turns a spread followed by more properties into a
  // slow dictionary-mode object (conversion ~7x slower, measured with bench/sinks.ts).
  const finding: OcsfFinding = {
    class_uid: DETECTION_FINDING.class_uid,
    class_name: DETECTION_FINDING.class_name,
    category_uid: DETECTION_FINDING.category_uid,
    category_name: DETECTION_FINDING.category_name,
    activity_id: ACTIVITY_CREATE.activity_id,
    activity_name: ACTIVITY_CREATE.activity_name,
    type_uid: ACTIVITY_CREATE.type_uid,
    type_name: ACTIVITY_CREATE.type_name,
    time,
    severity_id: sev,
    severity: SEVERITY[sev],
    status_id: 1,
    status: 'New',
    message: `${title} (risk ${decision.score}${top ? `, ${top.code}: ${top.detail}` : ''})`,
    is_alert: true,
    action_id: control.action_id,
    action: control.action,
    disposition_id: control.disposition_id,
    disposition: control.disposition,
    risk_score: Math.round(decision.score),
    risk_level_id: risk,
    risk_level: RISK_LEVEL[risk],
    finding_info: findingInfo,
    evidences: [evidence],
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Warden', vendor_name: 'Warden', version: options.productVersion },
      profiles,
      uid: decision.decisionId,
      correlation_uid: decision.eventId,
      log_name: options.logName ?? 'warden.decisions',
      original_time: decision.eventTime,
      labels,
    },
    unmapped: {
      decision_id: decision.decisionId,
      event_id: decision.eventId,
      owner: decision.owner,
      score: decision.score,
      reasons: reasons.map((r) => (isReasonCode(r.code) ? { code: r.code, weight: r.weight, detail: r.detail, meaning: REASON_CODES[r.code] } : { code: r.code, weight: r.weight, detail: r.detail })),
      signature: decision.sig ?? null,
    },
  };
  const anomalies = anomalyAnalyses(decision.identity, reasons);
  if (anomalies.length > 0) finding.anomaly_analyses = anomalies;
  if (attacks.length > 0) finding.attacks = attacks;
  if (decision.policy.id !== null) finding.policy = { uid: decision.policy.id, name: decision.policy.id, version: decision.policy.version };
  else if (codes.some((c) => c.startsWith('POLICY_'))) finding.policy = { name: 'warden policy set', version: decision.policy.version };
  if (resources) finding.resources = resources;
  if (cloud) finding.cloud = cloud;
  if (cloud) finding.api = apiOf(decision.action);
  return finding;
}
