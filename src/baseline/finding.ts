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
