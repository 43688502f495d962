/**
 * Two naive reference detectors every change is judged against:
 * - new-value: after a learning period, flag any never-seen action, resource pattern, /24, ASN,
 *   user-agent family or region (and then remember it);
 * - rate-threshold: after a learning period, flag events in any hour whose count exceeds 1.5× the
 *   busiest hour seen while learning.
 */
import type { WardenEvent } from '../events/event.js';
import { extractFeatures } from '../baseline/features.js';

export interface ReferenceVerdict {
  flagged: boolean;
  score: number;
}

const DIMS = ['action', 'resource', 'net', 'asn', 'ua', 'region'] as const;

export function newValueReference(events: readonly WardenEvent[], learningMs: number): ReferenceVerdict[] {
  const seen = new Map<string, { first: number; values: Set<string> }>();
  return events.map((e) => {
    const f = extractFeatures(e);
    let s = seen.get(e.identity.id);
    if (!s) {
      s = { first: f.t, values: new Set() };
      seen.set(e.identity.id, s);
    }
    let fresh = 0;
    for (const d of DIMS) {
      const v = f.values[d];
      if (v === undefined) continue;
      const key = `${d}\u0000${v}`;
      if (!s.values.has(key)) {
        fresh++;
        s.values.add(key);
      }
    }
    const learning = f.t - s.first < learningMs;
    return { flagged: !learning && fresh > 0, score: learning ? 0 : fresh };
  });
}

export function rateReference(events: readonly WardenEvent[], learningMs: number): ReferenceVerdict[] {
  const state = new Map<string, { first: number; hour: number; count: number; max: number }>();
  return events.map((e) => {
    const t = Date.parse(e.time);
    const hour = Math.floor(t / 3_600_000);
    let s = state.get(e.identity.id);
    if (!s) {
      s = { first: t, hour, count: 0, max: 1 };
      state.set(e.identity.id, s);
    }
    if (hour !== s.hour) {
      s.hour = hour;
      s.count = 0;
    }
    s.count++;
    const learning = t - s.first < learningMs;
    if (learning) {
      s.max = Math.max(s.max, s.count);
      return { flagged: false, score: 0 };
    }
    const score = s.count / (1.5 * s.max);
    return { flagged: score > 1, score };
  });
}
