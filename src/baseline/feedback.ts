/**
 * Operator feedback. `warden feedback --decision ID --benign` records which decision (and so which
 * event and findings) an operator judged; the decider applies it when it meets that event, in
 * replay and live alike, so a replay with the same feedback file gives the same decisions.
 */
import type { EventFeatures } from './features.js';
import type { Dimension, IdentityProfile } from './profile.js';
import type { BaselineRules } from './config.js';

export interface FeedbackRecord {
  decisionId: string;
  eventId: string;
  identity: string;
  label: 'benign' | 'malicious';
  /** Reason codes of the judged decision. */
  codes: string[];
  /** Wall-clock time the operator gave the feedback (informational only). */
  recordedAt: string;
  note?: string;
}

/** How long a code marked benign weighs less for the identity, in event time. */
export const SUPPRESS_MS = 7 * 86_400_000;

/**
 * Benign: every value of the event becomes normal at once, and the judged reason codes weigh a
 * quarter for a week. Malicious feedback teaches nothing (the values stay new).
 */
export function applyFeedback(p: IdentityProfile, f: EventFeatures, rules: BaselineRules, record: FeedbackRecord): void {
  if (record.label !== 'benign') return;
  for (const dim of Object.keys(f.values) as Dimension[]) {
    const v = f.values[dim];
    const e = v === undefined ? undefined : p.maps[dim].entries[v];
    if (e) e.legit = Math.max(e.legit, rules.absorbAfterSightings);
  }
  for (const code of record.codes) p.suppressed[code] = f.t + SUPPRESS_MS;
}

const NONE: ReadonlySet<string> = new Set();

export function suppressedCodes(p: IdentityProfile, t: number): ReadonlySet<string> {
  // Hot path: almost no identity has feedback; do not allocate for them. (A for…in loop as the
  // emptiness test cost ~4% of the decide stage in CPU profiles; Object.keys, a fiftieth of that.)
  if (Object.keys(p.suppressed).length === 0) return NONE;
  const out = new Set<string>();
  for (const [code, until] of Object.entries(p.suppressed)) if (until >= t) out.add(code);
  return out;
}
