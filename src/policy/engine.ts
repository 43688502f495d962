/**
 * The policy engine: evaluates one event against every policy whose scope covers its identity.
 * Pure and deterministic in event order; rate-limit windows use event time and live inside the
 * engine. Precedence (docs/policy.md "Precedence"):
 *   1. `off` rules, and every rule when the global mode is `off`, are ignored; the effective mode
 *      of a rule is the weakest of the global mode and its own (global `shadow` shadows all).
 *   2. Each rule in scope whose filter matches is checked; a policy's allow rules together form
 *      its allow-list and an action outside it is POLICY_NOT_ALLOWED.
 *   3. A violation is suspended by an exception of the same policy that is unexpired at event
 *      time and covers the identity, action and resource. An exception suspends deny rules only
 *      when it names them in `rules`; without `rules` it suspends every other kind.
 *   4. Strongest verdict wins (block > alert); enforce violations set `verdict`, shadow ones
 *      `shadowVerdict`. Several policies in scope all apply (their allow-lists intersect).
 */
import type { WardenEvent } from '../events/event.js';
import { strongerVerdict, VERDICT_RANK } from '../decisions/decision.js';
import type { Reason, Verdict } from '../decisions/decision.js';
import type { IdentityResolution } from '../identity/types.js';
import type { MatchedRule, PolicyEngine, PolicyEvaluation, RuleMode } from './types.js';
import type { CompiledPolicy, CompiledRule, PolicySet } from './compiled.js';
import { createScopeIndex, scopeMatches } from './scope-index.js';
import type { ScopeSubject } from './scope-index.js';
import { createRateLimiter } from './rate-limit.js';
import type { RateLimiter } from './rate-limit.js';
import { findException, violationOf } from './violation.js';
import type { ActiveRule } from './violation.js';

export interface PolicyEngineOptions {
  /** Global mode (config `policy.mode`). @defaultValue 'enforce' */
  mode?: RuleMode;
  /** Called for every rule an event reached (in scope, filter matched): `policy test` coverage. */
  onRuleTouched?: (policyId: string, ruleId: string) => void;
  /**
   * The engine this one replaces (hot reload): rate-limit windows of rules whose policy id, rule
   * id, `max` and `per` are unchanged carry over, so a reload does not reset them.
   */
  previous?: PolicyEngine;
}

/** Rate limiters of each engine, by `policy/rule/max/per`, for carrying state across reloads. */
const limitersOf = new WeakMap<PolicyEngine, Map<string, RateLimiter>>();

interface ActivePolicy {
  policy: CompiledPolicy;
  active: ActiveRule[];
  checks: ActiveRule[];
  allow: ActiveRule[];
  /** The allow rule a violation is reported against: strongest mode, then strongest verdict. */
  allowRepresentative: ActiveRule | null;
  thresholds: ActiveRule[];
}

/** The evaluation of an event no policy covers: shared and frozen (evaluations are read-only). */
const NO_POLICY: PolicyEvaluation = Object.freeze({
  verdict: null,
  shadowVerdict: null,
  reasons: Object.freeze([]) as unknown as Reason[],
  matched: Object.freeze([]) as unknown as MatchedRule[],
  policyId: null,
  excepted: false,
  protected: false,
});

function effectiveMode(global: RuleMode, own: RuleMode): RuleMode {
  if (global === 'off' || own === 'off') return 'off';
  if (global === 'shadow' || own === 'shadow') return 'shadow';
  return global === 'approve' || own === 'approve' ? 'approve' : 'enforce';
}

function activate(set: PolicySet, global: RuleMode, limiters: Map<string, RateLimiter>, previous: Map<string, RateLimiter> | undefined): ActivePolicy[] {
  const limiterFor = (rule: CompiledRule): RateLimiter | undefined => {
    if (!rule.rate) return undefined;
    const key = `${rule.policyId}/${rule.id}/${rule.rate.max}/${rule.rate.windowMs}`;
    const limiter = previous?.get(key) ?? createRateLimiter(rule.rate.max, rule.rate.windowMs);
    limiters.set(key, limiter);
    return limiter;
  };
  return set.policies.map((policy) => {
    const active = policy.rules
      .map((rule): ActiveRule => ({ rule, mode: effectiveMode(global, rule.mode) as ActiveRule['mode'], limiter: limiterFor(rule) }))
      .filter((a) => (a.mode as RuleMode) !== 'off');
    return shape(policy, active);
  });
}

function shape(policy: CompiledPolicy, active: ActiveRule[]): ActivePolicy {
  const allow = active.filter((a) => a.rule.kind === 'allow');
  const rank = (a: ActiveRule): number => (a.mode === 'approve' ? 20 : a.mode === 'enforce' ? 10 : 0) + (a.rule.verdict === 'block' ? 1 : 0);
  const allowRepresentative = allow.reduce<ActiveRule | null>((best, a) => (best === null || rank(a) > rank(best) ? a : best), null);
  return {
    policy,
    active,
    checks: active.filter((a) => a.rule.kind !== 'allow' && a.rule.kind !== 'thresholds'),
    allow,
    allowRepresentative,
    thresholds: active.filter((a) => a.rule.kind === 'thresholds' && a.mode === 'enforce'),
  };
}

/** Drops rules whose own scope excludes the subject; done once per subject, cached by the index. */
function narrow(ap: ActivePolicy, subject: ScopeSubject): ActivePolicy | null {
  if (!ap.active.some((a) => a.rule.scope)) return ap;
  const kept = ap.active.filter((a) => !a.rule.scope || scopeMatches(a.rule.scope, subject));
  return kept.length > 0 ? shape(ap.policy, kept) : null;
}

function filterMatches(rule: CompiledRule, event: WardenEvent): boolean {
  if (rule.actions !== null && !rule.actions.matches(event.action)) return false;
  if (rule.resources !== null && (event.resource === undefined || !rule.resources.matches(event.resource))) return false;
  return true;
}

export function createPolicyEngine(set: PolicySet, options: PolicyEngineOptions = {}): PolicyEngine {
  const global = options.mode ?? 'enforce';
  const touched = options.onRuleTouched;
  const limiters = new Map<string, RateLimiter>();
  const previous = options.previous ? limitersOf.get(options.previous) : undefined;
  const active = global === 'off' ? [] : activate(set, global, limiters, previous).filter((p) => p.checks.length + p.allow.length + p.thresholds.length > 0);
  const index = createScopeIndex(active, narrow);

  function evaluate(event: WardenEvent, identity: IdentityResolution): PolicyEvaluation {
    const environment = event.environment ?? identity.environment;
    // The resolution itself is the scope subject unless the event names another environment: no
    // subject object per event.
    const policies = index.lookup(environment === identity.environment ? identity : { identityId: identity.identityId, class: identity.class, environment, owner: identity.owner });
    // Most events are in no policy's scope. The rest is a function of its own: its state is shared
    // with closures, and a call that returns here should not allocate that shared context.
    return policies.length === 0 ? NO_POLICY : evaluatePolicies(event, identity, policies);
  }

  function evaluatePolicies(event: WardenEvent, identity: IdentityResolution, policies: readonly ActivePolicy[]): PolicyEvaluation {
    let verdict: Verdict | null = null;
    let shadowVerdict: Verdict | null = null;
    let policyId: string | null = null;
    let shadowPolicyId: string | null = null;
    let reasons: Reason[] | null = null;
    let matched: MatchedRule[] | null = null;
    let excepted = false;
    let isProtected = false;
    let thresholds: { alertAt?: number; blockAt?: number } | undefined;
    let approval: { policyId: string; ruleId: string } | undefined;
    const timeMs = Date.parse(event.time);

    const report = (ap: ActivePolicy, ar: ActiveRule, detail: string): void => {
      const v = violationOf(ar, detail);
      const exception = findException(ap.policy, ar.rule, event, timeMs);
      matched ??= [];
      reasons ??= [];
      if (exception) {
        excepted = true;
        touched?.(ap.policy.id, `exception:${exception.id}`);
        matched.push({ policyId: ap.policy.id, ruleId: exception.id, mode: ar.mode, effect: 'exception' });
        reasons.push({ code: 'POLICY_EXCEPTION', detail: `${exception.id} suspends ${ap.policy.id}/${ar.rule.id} until ${exception.expires}: ${exception.reason}`, weight: 0 });
        return;
      }
      matched.push({ policyId: ap.policy.id, ruleId: ar.rule.id, mode: ar.mode, effect: v.effect });
      const expired = findException(ap.policy, ar.rule, event, -Infinity);
      // Say why an exception someone relies on did not apply: the first question on a page.
      reasons.push(expired ? { ...v.reason, detail: `${v.reason.detail} (exception ${expired.id} expired ${expired.expires})` } : v.reason);
      if (ar.mode === 'approve') {
        // Refused until approved, whatever verdict the rule names; the first such rule is the request's.
        approval ??= { policyId: ap.policy.id, ruleId: ar.rule.id };
        if (verdict !== 'block') policyId = ap.policy.id;
        verdict = 'block';
      } else if (ar.mode === 'enforce') {
        if (verdict === null || VERDICT_RANK[ar.rule.verdict] > VERDICT_RANK[verdict]) policyId = ap.policy.id;
        verdict = strongerVerdict(verdict, ar.rule.verdict);
      } else {
        if (shadowVerdict === null || VERDICT_RANK[ar.rule.verdict] > VERDICT_RANK[shadowVerdict]) shadowPolicyId = ap.policy.id;
        shadowVerdict = strongerVerdict(shadowVerdict, ar.rule.verdict);
      }
    };

    for (const ap of policies) {
      for (const ar of ap.checks) {
        const rule = ar.rule;
        if (!filterMatches(rule, event)) continue;
        touched?.(ap.policy.id, rule.id);
        if (ar.mode !== 'shadow') isProtected = true;
        if (rule.kind === 'deny') report(ap, ar, `${event.action} is denied`);
        else if (rule.window) {
          if (!rule.window.contains(timeMs)) report(ap, ar, `${rule.window.describe(timeMs)} is outside the allowed hours`);
        } else if (rule.source) {
          const problem = rule.source.check(event);
          if (problem !== null) report(ap, ar, problem);
        } else if (ar.limiter && rule.rate) {
          if (ar.limiter.hit(identity.identityId, timeMs)) report(ap, ar, `more than ${rule.rate.max} calls per ${rule.rate.per}`);
        }
      }
      if (ap.allowRepresentative !== null) {
        if (ap.allowRepresentative.mode !== 'shadow') isProtected = true;
        const hit = ap.allow.find((a) => filterMatches(a.rule, event));
        if (hit) touched?.(ap.policy.id, hit.rule.id);
        else {
          touched?.(ap.policy.id, ap.allowRepresentative.rule.id);
          const what = event.resource === undefined ? event.action : `${event.action} on ${event.resource}`;
          report(ap, ap.allowRepresentative, `${what} is outside the allow-list of ${ap.policy.id}`);
        }
      }
      for (const ar of ap.thresholds) {
        const t = ar.rule.thresholds;
        if (!t) continue;
        touched?.(ap.policy.id, ar.rule.id);
        thresholds ??= {};
        if (t.alertAt !== undefined) thresholds.alertAt = Math.min(thresholds.alertAt ?? 100, t.alertAt);
        if (t.blockAt !== undefined) thresholds.blockAt = Math.min(thresholds.blockAt ?? 100, t.blockAt);
        matched ??= [];
        matched.push({ policyId: ap.policy.id, ruleId: ar.rule.id, mode: 'enforce', effect: 'thresholds' });
      }
    }
    const result: PolicyEvaluation = {
      verdict,
      shadowVerdict,
      reasons: reasons ?? [],
      matched: matched ?? [],
      policyId: policyId ?? shadowPolicyId,
      excepted,
      protected: isProtected,
    };
    if (thresholds) result.thresholds = thresholds;
    if (approval) result.approval = approval;
    return result;
  }

  const engine: PolicyEngine = { version: set.version, evaluate };
  limitersOf.set(engine, limiters);
  return engine;
}
