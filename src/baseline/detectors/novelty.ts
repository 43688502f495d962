/** First-seen detectors: action, service, resource pattern and every source attribute. */
import type { Finding, FindingFamily } from '../finding.js';
import { finding } from '../finding.js';
import type { EventFeatures } from '../features.js';
import type { Dimension, IdentityProfile, ValueMap } from '../profile.js';
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
  // One call per dimension, in DIMENSIONS order (a unit test holds this list to it), with named
  // property loads: `values[dim]` and `maps[dim]` over ten names are megamorphic lookups, twenty
  // of them on every event (this cut the decide stage by ~5%).
  const v = f.values;
  const m = p.maps;
  if (v.action !== undefined) noveltyOf('action', v.action, m.action, f, rules, out);
  if (v.service !== undefined) noveltyOf('service', v.service, m.service, f, rules, out);
  if (v.resource !== undefined) noveltyOf('resource', v.resource, m.resource, f, rules, out);
  if (v.ip !== undefined) noveltyOf('ip', v.ip, m.ip, f, rules, out);
  if (v.net !== undefined) noveltyOf('net', v.net, m.net, f, rules, out);
  if (v.asn !== undefined) noveltyOf('asn', v.asn, m.asn, f, rules, out);
  if (v.country !== undefined) noveltyOf('country', v.country, m.country, f, rules, out);
  if (v.region !== undefined) noveltyOf('region', v.region, m.region, f, rules, out);
  if (v.ua !== undefined) noveltyOf('ua', v.ua, m.ua, f, rules, out);
  if (v.workload !== undefined) noveltyOf('workload', v.workload, m.workload, f, rules, out);
}

/** The finding of one dimension's value, if it is still new enough to weigh (see detectNovelty). */
function noveltyOf(dim: Dimension, value: string, map: ValueMap, f: EventFeatures, rules: BaselineRules, out: Finding[]): void {
  const entry = liveEntry(map, value, f.t, rules);
  const nov = novelty(entry, rules);
  if (nov === 0) return;
  const spec = CODES[dim];
  const scale = surprise(newValueChance(map), rules.config.maxSurprise) * (spec.family === 'what' ? f.sensitivity : 1);
  const weight = Math.round(rules.config.weights[spec.code] * nov * scale);
  if (weight < 1) return;
  const detail = entry
    ? `${spec.label} ${value} seen ${entry.n}× since ${dateOf(entry.first)}, not yet normal`
    : `${spec.label} ${value} never seen for this identity`;
  out.push(finding(spec.code, detail, weight, spec.family, scale));
}

const DAY_MS = 86_400_000;
/** `YYYY-MM-DD` (UTC) of each day met, by day number: the same few days are formatted over and over. */
const dateOfDay = memoised((day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10), 10_000);

function dateOf(t: number): string {
  return dateOfDay(Math.floor(t / DAY_MS));
}
