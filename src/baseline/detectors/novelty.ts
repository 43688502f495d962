/** First-seen detectors: action, service, resource pattern and every source attribute. */
import type { Finding, FindingFamily } from '../finding.js';
import type { EventFeatures } from '../features.js';
import type { Dimension, IdentityProfile } from '../profile.js';
import { DIMENSIONS } from '../profile.js';
import type { BaselineRules } from '../config.js';
import type { DetectorWeights } from '../../config/sections/baseline.js';
import { liveEntry, novelty } from '../value-map.js';

const CODES: Record<Dimension, { code: keyof DetectorWeights; family: FindingFamily; label: string }> = {
  action: { code: 'NEW_ACTION', family: 'what', label: 'action' },
  service: { code: 'NEW_SERVICE', family: 'what', label: 'service' },
  resource: { code: 'NEW_RESOURCE', family: 'what', label: 'resource pattern' },
  ip: { code: 'NEW_SOURCE_IP', family: 'where', label: 'source IP' },
  net: { code: 'NEW_SOURCE_NETWORK', family: 'where', label: 'source network' },
  asn: { code: 'NEW_SOURCE_ASN', family: 'where', label: 'source ASN' },
  country: { code: 'NEW_SOURCE_COUNTRY', family: 'where', label: 'source country' },
  region: { code: 'NEW_REGION', family: 'where', label: 'region' },
  ua: { code: 'NEW_USER_AGENT', family: 'where', label: 'user-agent family' },
  workload: { code: 'NEW_WORKLOAD', family: 'where', label: 'workload' },
};

/**
 * A never-seen value weighs its full weight, a value seen a few times from a legitimate context
 * less, an absorbed value nothing. Dimensions that churn by nature for this identity (hosted CI
 * runners get a new IP every run) weigh less in proportion to how often they show new values.
 */
export function detectNovelty(p: IdentityProfile, f: EventFeatures, rules: BaselineRules, out: Finding[], readOnly: boolean): void {
  const weights = rules.config.weights;
  // A never-used read call is ordinary drift far more often than a never-used write.
  const whatFactor = readOnly ? rules.config.readOnlyNoveltyFactor : 1;
  for (const dim of DIMENSIONS) {
    const value = f.values[dim];
    if (value === undefined) continue;
    const map = p.maps[dim];
    const entry = liveEntry(map, value, f.t, rules);
    const nov = novelty(entry, rules);
    if (nov === 0) continue;
    const churn = Math.max(0, 1 - 1.5 * map.newRate);
    const spec = CODES[dim];
    const weight = Math.round(weights[spec.code] * nov * churn * (spec.family === 'what' ? whatFactor : 1));
    if (weight < 1) continue;
    const detail = entry
      ? `${spec.label} ${value} seen ${entry.n}× since ${new Date(entry.first).toISOString().slice(0, 10)}, not yet normal`
      : `${spec.label} ${value} never seen for this identity`;
    out.push({ code: spec.code, detail, weight, family: spec.family });
  }
}
