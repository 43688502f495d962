import type { Reason } from '../decisions/decision.js';

/**
 * Families group findings that describe one aspect of behaviour; scoring caps each family so that
 * one kind of ordinary change (say, a new network) cannot page on its own.
 */
export type FindingFamily = 'what' | 'where' | 'when' | 'volume' | 'failures' | 'signal';

export interface Finding extends Reason {
  family: FindingFamily;
}
