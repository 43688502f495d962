/**
 * The baseline stage: `assessEvent` reads a profile and returns findings; `learnEvent` folds the
 * event into the profile. Both are pure in the sense that matters here: no I/O, no clock (event
 * time only), deterministic. `learnEvent` updates the profile it is given in place, for speed;
 * callers own the profile object (stores hand out copies).
 */
import type { WardenEvent } from '../events/event.js';
import type { Finding } from './finding.js';
import type { EventFeatures } from './features.js';
import type { IdentityProfile } from './profile.js';
import type { BaselineRules } from './config.js';
import { inLearning } from './config.js';
import { detectNovelty } from './detectors/novelty.js';
import { detectHourlyVolume, detectRateSpike, detectUnusualHour, detectVolumeSpike, hourTotals } from './detectors/activity.js';
import type { HourAggregate } from './profile.js';
import { detectConcurrentToken, detectEnumeration, detectFailures, detectPrivilegedAndDestructive, detectRareSequence } from './detectors/signals.js';

export interface Assessment {
  findings: Finding[];
  /** The identity is still learning; scoring weighs its findings less. */
  learning: boolean;
  /** The current hour's totals with this event (learned with it). */
  totals: HourAggregate;
}

export function assessEvent(p: IdentityProfile, event: WardenEvent, f: EventFeatures, rules: BaselineRules): Assessment {
  const findings: Finding[] = [];
  const totals = hourTotals(p, event, f.t);
  if (p.events === 0) return { findings, learning: true, totals };
  detectNovelty(p, f, rules, findings);
  detectUnusualHour(p, f, rules, findings);
  detectRateSpike(p, f, rules, findings);
  // One volume finding per event: the per-event check first, then the hour's totals.
  if (!detectVolumeSpike(p, event, rules, findings)) detectHourlyVolume(p, totals, rules, findings);
  detectFailures(p, f, rules, findings);
  detectRareSequence(p, f, rules, findings);
  detectConcurrentToken(p, event, f, rules, findings);
  detectPrivilegedAndDestructive(p, event, f, rules, findings);
  detectEnumeration(p, f, rules, findings, event.readOnly);
  return { findings, learning: inLearning(p.events, p.firstSeen, f.t, rules), totals };
}
