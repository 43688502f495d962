/**
 * Contract of the policy stage (see DESIGN.md "policy"): rules as code, evaluated per event.
 */
import type { WardenEvent } from '../events/event.js';
import type { Reason, Verdict } from '../decisions/decision.js';
import type { IdentityResolution } from '../identity/types.js';

/** `approve` refuses (block) like `enforce`, with APPROVAL_REQUIRED: the pipeline opens an approval request. */
export type RuleMode = 'enforce' | 'shadow' | 'off' | 'approve';

export interface MatchedRule {
  policyId: string;
  ruleId: string;
  mode: Exclude<RuleMode, 'off'>;
  /** What the rule did: `deny`, `not-allowed`, `time-window`, `source`, `rate-limit`, `exception`, `thresholds`. */
  effect: string;
}

export interface PolicyEvaluation {
  /** Strongest verdict demanded by enforce-mode rules; null when no enforce rule has an opinion. */
  verdict: Verdict | null;
  /** Strongest verdict shadow-mode rules would have demanded (published as allow, logged as "would"). */
  shadowVerdict: Verdict | null;
  /** Reasons from enforce and shadow rules, with weights. */
  reasons: Reason[];
  matched: MatchedRule[];
  /** Id of the policy whose rule set the verdict, or null. */
  policyId: string | null;
  /** Per-identity anomaly thresholds from policy, overriding the scoring defaults. */
  thresholds?: { alertAt?: number; blockAt?: number };
  /** True when an exception explicitly allows this action (anomaly scoring may still alert, never block). */
  excepted: boolean;
  /** True when an enforce-mode rule governs this action, so `failMode: closed` protects it. */
  protected: boolean;
  /** The first approve-mode rule the event violated: the action needs an approval. */
  approval?: { policyId: string; ruleId: string };
}

/**
 * A compiled, immutable set of policies. `evaluate` is deterministic in event order: rate-limit
 * windows use event time and are kept inside the engine per identity.
 */
export interface PolicyEngine {
  /** Content hash of every policy file, carried in each decision. */
  readonly version: string;
  evaluate(event: WardenEvent, identity: IdentityResolution): PolicyEvaluation;
}
