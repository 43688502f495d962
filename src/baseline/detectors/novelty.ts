/** First-seen detectors: action, service, resource pattern and every source attribute. */
import type { Finding, FindingFamily } from '../finding.js';
import type { EventFeatures } from '../features.js';
import type { Dimension, IdentityProfile } from '../profile.js';
import { DIMENSIONS } from '../profile.js';
import type { BaselineRules } from '../config.js';
import type { DetectorWeights } from '../../config/sections/baseline.js';
import { liveEntry, newValueChance, novelty, surprise } from '../value-map.js';
import { memoised } from '../../memo.js';

/** The finding each dimension's novelty raises. */
export const CODES: Readonly<Record<Dimension, { code: keyof DetectorWeights; family: FindingFamily; label: string }>> = {
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
 * A never-seen value weighs its configured weight times how surprising a new value of that kind is
 * for this identity (`surprise`: an identity that almost never shows new values gets up to
 * `maxSurprise` times the weight, one whose values churn gets almost nothing), times how new the
 * value still is (1 for never seen, falling with each legitimate sighting). The what-dimensions
 * are further scaled by the event's sensitivity (`f.sensitivity`: a new credential read or IAM
 * write weighs more than a new describe call). Each finding carries the multiplier it got as
 * `scale`, so that scoring widens the family cap by the same factor.
 */
export function detectNovelty(p: IdentityProfile, f: EventFeatures, rules: BaselineRules, out: Finding[]): void {
  const weights = rules.config.weights;
  const maxSurprise = rules.config.maxSurprise;
  for (let i = 0; i < DIMENSIONS.length; i++) {
    const dim = DIMENSIONS[i]!;
    const value = f.values[dim];
    if (value === undefined) continue;
    const map = p.maps[dim];
    const entry = liveEntry(map, value, f.t, rules);
    const nov = novelty(entry, rules);
    if (nov === 0) continue;
    const spec = CODES[dim];
    const scale = surprise(newValueChance(map), maxSurprise) * (spec.family === 'what' ? f.sensitivity : 1);
    const weight = Math.round(weights[spec.code] * nov * scale);
    if (weight < 1) continue;
    const detail = entry
      ? `${spec.label} ${value} seen ${entry.n}× since ${dateOf(entry.first)}, not yet normal`
      : `${spec.label} ${value} never seen for this identity`;
    out.push({ code: spec.code, detail, weight, family: spec.family, scale });
  }
}

const DAY_MS = 86_400_000;
/** `YYYY-MM-DD` (UTC) of each day met, by day number: the same few days are formatted over and over. */
const dateOfDay = memoised((day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10), 10_000);

function dateOf(t: number): string {
  return dateOfDay(Math.floor(t / DAY_MS));
}
