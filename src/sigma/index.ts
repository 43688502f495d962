/**
 * Sigma rules (docs/sigma.md): rules of the public Sigma format for AWS CloudTrail, Kubernetes
 * audit, GitHub audit and GCP audit logs, evaluated on each event's original record.
 */
import { compileSigmaRules } from './ruleset.js';
import { readSigmaDirs } from './files.js';
import type { SigmaRuleSet } from './types.js';

export type { SigmaHit, SigmaLevel, SigmaRule, SigmaRuleSet, SkippedRule } from './types.js';
export { SIGMA_LEVELS, TIER_OF_LEVEL } from './types.js';
export { SUPPORTED_LOG_SOURCES } from './logsource.js';
export { compileSigmaRules, emptySigmaRuleSet } from './ruleset.js';
export { parseSigmaFile, SIGMA_CODE } from './parse.js';
export { readSigmaDirs } from './files.js';
export type { SigmaDoc } from './files.js';

/** Loads every rule file under the folders; throws WARDEN_SIGMA_INVALID (a WardenError) on any invalid file. */
export function loadSigmaDirs(dirs: readonly string[]): SigmaRuleSet {
  return compileSigmaRules(readSigmaDirs(dirs));
}
