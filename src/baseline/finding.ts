import type { Reason } from '../decisions/decision.js';

/**
 * Families group findings that describe one aspect of behaviour; scoring caps each family so that
 * one kind of ordinary change (say, a new network) cannot page on its own.
 */
export type FindingFamily = 'what' | 'where' | 'when' | 'volume' | 'failures' | 'signal';

export interface Finding extends Reason {
  family: FindingFamily;
  /**
   * The multiplier the detector applied to its configured weight (surprise × sensitivity, see
   * detectors/novelty.ts). Scoring widens the family cap by the largest scale in the family, so a
   * finding that is rarer than usual for the identity is not flattened back to the ordinary cap.
   */
  scale?: number;
}

/**
 * A finding with every field of the type present, in one order (the absent ones undefined), for
 * the detectors and the technique and Sigma findings alike: objects built with the same keys in
 * the same order share V8's hidden class, and the scoring code that reads every finding stays
 * compiled for one instead of being thrown away at each new literal it meets (see eventLayout).
 */
export function finding(code: string, detail: string, weight: number, family: FindingFamily, scale?: number): Finding {
  return { code, detail, weight, technique: undefined, tactic: undefined, entry: undefined, approval: undefined, family, scale };
}
