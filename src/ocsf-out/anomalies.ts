/**
 * Baseline reasons → OCSF 1.5 `anomaly_analysis` objects: for each deviation, the dimension
 * (`observation_parameter`), what was observed (`anomalies`) and what the identity's baseline holds
 * for it (`baselines`). A decision carries its reasons as codes with a detail text written by the
 * baseline detectors (src/baseline/detectors/); the observed and expected values are read back
 * from those texts, whose forms the tests here pin. A detail in a form not recognised still gives
 * an anomaly (its text as the observation), never nothing.
 */
import { CODES } from '../baseline/detectors/novelty.js';
import type { Reason } from '../decisions/decision.js';

export interface OcsfTimespan {
  duration_secs?: number;
  start_time?: number;
  type_id?: number;
  type?: string;
}
export interface OcsfObservation {
  value: string;
  count?: number;
  timespan?: OcsfTimespan;
}
export interface OcsfPattern {
  observation_parameter: string;
  observation_type?: string;
  observations: OcsfObservation[];
  observed_pattern?: string;
}
export interface OcsfAnomalyAnalysis {
  analysis_targets: Array<{ name: string; type?: string }>;
  anomalies: OcsfPattern[];
  baselines?: OcsfPattern[];
}

/** The baseline dimension each behavioural reason code speaks about. */
export const BASELINE_DIMENSIONS: Readonly<Record<string, string>> = {
  NEW_ACTION: 'action',
  NEW_SERVICE: 'service',
  NEW_RESOURCE: 'resource_pattern',
  NEW_SOURCE_IP: 'source.ip',
  NEW_SOURCE_NETWORK: 'source.network',
  NEW_SOURCE_ASN: 'source.asn',
  NEW_SOURCE_COUNTRY: 'source.country',
  NEW_REGION: 'region',
  NEW_USER_AGENT: 'source.user_agent_family',
  NEW_WORKLOAD: 'source.workload',
  UNUSUAL_HOUR: 'activity_hour',
  RATE_SPIKE: 'request_rate',
  VOLUME_SPIKE: 'volume',
  FAILURE_BURST: 'failed_calls',
  DENIED_THEN_SUCCESS: 'denied_calls_before_success',
  RARE_SEQUENCE: 'action_sequence',
  CONCURRENT_TOKEN_USE: 'token_sources',
  FIRST_PRIVILEGED: 'privileged_actions',
  ENUMERATION: 'new_values_in_window',
  SLOW_AND_LOW: 'accumulated_risk',
  DESTRUCTIVE_ACTION: 'destructive_actions',
  MODEL_ANOMALY: 'feature_reconstruction_error',
};

/** Novelty detail labels (src/baseline/detectors/novelty.ts) by reason code. */
const NOVELTY_LABELS: ReadonlyMap<string, string> = new Map(Object.values(CODES).map((c) => [c.code, c.label]));

function pattern(parameter: string, type: string, observations: OcsfObservation[], observed?: string): OcsfPattern {
  const p: OcsfPattern = { observation_parameter: parameter, observation_type: type, observations };
  if (observed !== undefined) p.observed_pattern = observed;
  return p;
}

const secs = (s: string | undefined): OcsfTimespan => ({ duration_secs: Number(s), type_id: 2, type: 'Seconds' });

/** The anomaly and baseline a detail text states, or null when its form is not one we know. */
function readDetail(code: string, detail: string, dim: string): { anomaly: OcsfPattern; baseline?: OcsfPattern } | null {
  const label = NOVELTY_LABELS.get(code);
  if (label !== undefined && detail.startsWith(`${label} `)) {
    const rest = detail.slice(label.length + 1);
    const never = / never seen for this identity$/.exec(rest);
    if (never) {
      const value = rest.slice(0, never.index);
      return { anomaly: pattern(dim, 'first seen', [{ value, count: 1 }], detail), baseline: pattern(dim, 'seen before', [{ value, count: 0 }], 'never seen for this identity') };
    }
    const seen = / seen (\d+)× since (\d{4}-\d\d-\d\d), not yet normal$/.exec(rest);
    if (seen) {
      const value = rest.slice(0, seen.index);
      const start = Date.parse(`${seen[2]}T00:00:00Z`);
      return {
        anomaly: pattern(dim, 'rarely seen', [{ value }], detail),
        baseline: pattern(dim, 'seen before', [{ value, count: Number(seen[1]), timespan: { start_time: start } }], `seen ${seen[1]} times since ${seen[2]}, not yet part of the routine`),
      };
    }
    return null;
  }
  let m: RegExpExecArray | null;
  switch (code) {
    case 'RATE_SPIKE':
      if ((m = /^(\d+) calls in (\d+)s against a usual ([\d.]+)$/.exec(detail))) {
        return { anomaly: pattern(dim, 'calls per window', [{ value: m[1]!, count: Number(m[1]), timespan: secs(m[2]) }], detail), baseline: pattern(dim, 'mean calls per window', [{ value: m[3]!, timespan: secs(m[2]) }]) };
      }
      return null;
    case 'VOLUME_SPIKE':
      if ((m = /^(\d+) (.+?) this hour against a usual (\d+) per active hour \(z=(-?[\d.]+)\)/.exec(detail))) {
        const hour: OcsfTimespan = { duration_secs: 3600, type_id: 2, type: 'Seconds' };
        return { anomaly: pattern(`${dim}.${m[2]!.replace(/\s+/g, '_')}`, 'per hour', [{ value: m[1]!, timespan: hour }], detail), baseline: pattern(`${dim}.${m[2]!.replace(/\s+/g, '_')}`, 'usual per active hour', [{ value: m[3]!, timespan: hour }], `z=${m[4]}`) };
      }
      if ((m = /^(\d+) (bytes|rows) by (\S+) against a usual (\d+) \(z=(-?[\d.]+)\)$/.exec(detail))) {
        return { anomaly: pattern(`${dim}.${m[2]}`, `per call of ${m[3]}`, [{ value: m[1]! }], detail), baseline: pattern(`${dim}.${m[2]}`, `usual per call of ${m[3]}`, [{ value: m[4]! }], `z=${m[5]}`) };
      }
      if ((m = /^(\d+) (bytes|rows) by (\S+), which moved no such volume before$/.exec(detail))) {
        return { anomaly: pattern(`${dim}.${m[2]}`, `per call of ${m[3]}`, [{ value: m[1]! }], detail), baseline: pattern(`${dim}.${m[2]}`, `usual per call of ${m[3]}`, [{ value: '0' }], 'no such volume before') };
      }
      return null;
    case 'SLOW_AND_LOW':
      if ((m = /^(\d+) risk points over the last hours against a usual (\d+) \(limit (\d+)\)$/.exec(detail))) {
        return { anomaly: pattern(dim, 'risk points', [{ value: m[1]! }], detail), baseline: pattern(dim, 'usual risk points', [{ value: m[2]! }], `limit ${m[3]}`) };
      }
      return null;
    case 'UNUSUAL_HOUR':
      if ((m = /^(.+) holds ([\d.]+)% of this identity's activity \((hour of week|hour of day)\)$/.exec(detail))) {
        return { anomaly: pattern(dim, m[3]!, [{ value: m[1]! }], detail), baseline: pattern(dim, `share of activity in this ${m[3]}`, [{ value: `${m[2]}%` }]) };
      }
      return null;
    case 'FAILURE_BURST':
      if ((m = /^(\d+) failed or denied calls in (\d+)s$/.exec(detail))) return { anomaly: pattern(dim, 'failed calls per window', [{ value: m[1]!, count: Number(m[1]), timespan: secs(m[2]) }], detail) };
      return null;
    case 'DENIED_THEN_SUCCESS':
      if ((m = /^succeeded after (\d+) denied calls in a row$/.exec(detail))) return { anomaly: pattern(dim, 'denied calls in a row', [{ value: m[1]!, count: Number(m[1]) }], detail) };
      return null;
    case 'RARE_SEQUENCE':
      if ((m = /^(\S+) never followed (\S+) before$/.exec(detail))) {
        const value = `${m[2]} -> ${m[1]}`;
        return { anomaly: pattern(dim, 'transition', [{ value }], detail), baseline: pattern(dim, 'transition seen before', [{ value, count: 0 }], 'never before') };
      }
      return null;
    case 'FIRST_PRIVILEGED':
      if ((m = /^privileged (\S+); (\d+) earlier privileged calls$/.exec(detail))) {
        return { anomaly: pattern(dim, 'privileged action', [{ value: m[1]! }], detail), baseline: pattern(dim, 'earlier privileged calls', [{ value: m[2]!, count: Number(m[2]) }]) };
      }
      return null;
    case 'ENUMERATION':
      if ((m = /^(\d+) new actions\/services\/resources in (\d+)s$/.exec(detail))) return { anomaly: pattern(dim, 'new values per window', [{ value: m[1]!, count: Number(m[1]), timespan: secs(m[2]) }], detail) };
      return null;
    default:
      return null;
  }
}

/** One `anomaly_analysis` per behavioural reason of the decision (policy, identity and technique reasons are not deviations). */
export function anomalyAnalyses(identity: string, reasons: readonly Reason[]): OcsfAnomalyAnalysis[] {
  const out: OcsfAnomalyAnalysis[] = [];
  for (const reason of reasons) {
    const dim = BASELINE_DIMENSIONS[reason.code];
    if (dim === undefined) continue;
    const read = readDetail(reason.code, reason.detail, dim);
    const analysis: OcsfAnomalyAnalysis = {
      analysis_targets: [{ name: identity, type: 'Identity' }],
      anomalies: [read?.anomaly ?? pattern(dim, reason.code, [{ value: reason.detail }], reason.detail)],
    };
    if (read?.baseline) analysis.baselines = [read.baseline];
    out.push(analysis);
  }
  return out;
}
