/** What a broken rule reports, and which exception (if any) suspends it. */
import type { WardenEvent } from '../events/event.js';
import type { Reason } from '../decisions/decision.js';
import type { CompiledException, CompiledPolicy, CompiledRule, RuleKind } from './compiled.js';
import type { RateLimiter } from './rate-limit.js';

export interface ActiveRule {
  rule: CompiledRule;
  /** Effective mode after the global mode; `off` rules never become active. */
  mode: 'enforce' | 'shadow' | 'approve';
  limiter?: RateLimiter;
}

const BY_KIND: Record<RuleKind, { code: string; effect: string }> = {
  allow: { code: 'POLICY_NOT_ALLOWED', effect: 'not-allowed' },
  deny: { code: 'POLICY_DENY', effect: 'deny' },
  'time-window': { code: 'POLICY_TIME_WINDOW', effect: 'time-window' },
  source: { code: 'POLICY_SOURCE', effect: 'source' },
  'rate-limit': { code: 'POLICY_RATE_LIMIT', effect: 'rate-limit' },
  thresholds: { code: 'POLICY_NOT_ALLOWED', effect: 'thresholds' },
};

export function violationOf(ar: ActiveRule, detail: string): { reason: Reason; effect: string } {
  const where = `${ar.rule.policyId}/${ar.rule.id}`;
  // An approve-mode rule refuses until people approve: its own code, so the pipeline opens a request.
  if (ar.mode === 'approve') return { reason: { code: 'APPROVAL_REQUIRED', detail: `${where}: ${detail}; needs an approval (warden approvals)`, weight: ar.rule.weight }, effect: 'approve' };
  const { code, effect } = BY_KIND[ar.rule.kind];
  const text = ar.mode === 'shadow' ? `[shadow: would ${ar.rule.verdict}] ${where}: ${detail}` : `${where}: ${detail}`;
  // A shadow rule says what it would do; it adds nothing to the risk of the published decision.
  return { reason: { code, detail: text, weight: ar.mode === 'shadow' ? 0 : ar.rule.weight }, effect };
}

function covers(ex: CompiledException, rule: CompiledRule): boolean {
  return ex.rules === null ? rule.kind !== 'deny' : ex.rules.has(rule.id);
}

/** The first exception of the policy that is unexpired at event time and covers this event and rule. */
export function findException(policy: CompiledPolicy, rule: CompiledRule, event: WardenEvent, timeMs: number): CompiledException | null {
  for (const ex of policy.exceptions) {
    if (!(timeMs < ex.expiresMs) || !covers(ex, rule)) continue;
    if (ex.identities !== null && !ex.identities.matches(event.identity.id)) continue;
    if (ex.actions !== null && !ex.actions.matches(event.action)) continue;
    if (ex.resources !== null && (event.resource === undefined || !ex.resources.matches(event.resource))) continue;
    return ex;
  }
  return null;
}
