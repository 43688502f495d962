/**
 * "Decide one event" on the identity and policy stages: the verdict policy and clarity demand.
 * `policy test`, `policy diff` and `explain` take a `DeciderFactory`, so the full decider
 * (baseline + model + scoring) can be plugged in without touching them.
 */
import type { WardenEvent } from '../events/event.js';
import type { Reason, Verdict } from '../decisions/decision.js';
import type { IdentityResolution, IdentityResolver } from '../identity/types.js';
import type { MatchedRule, PolicyEngine, PolicyEvaluation } from './types.js';

export interface StageDecision {
  verdict: Verdict;
  /** What shadow-mode rules would have published; present only when stronger than `verdict`. */
  wouldBe?: Verdict;
  reasons: Reason[];
  matched: MatchedRule[];
  owner: string | null;
  policy: { id: string | null; version: string };
  identity: IdentityResolution;
  evaluation: PolicyEvaluation;
}

/** Decides events one by one, in order (stateful: rate limits, finding de-duplication). */
export type EventDecider = (event: WardenEvent) => StageDecision;

/** Builds a fresh decider (fresh state), e.g. one per `policy test` case. */
export type DeciderFactory = () => EventDecider;

const RANK: Record<Verdict, number> = { allow: 0, alert: 1, block: 2 };
const max = (a: Verdict, b: Verdict | null): Verdict => (b !== null && RANK[b] > RANK[a] ? b : a);

export function createStageDecider(resolver: IdentityResolver, engine: PolicyEngine): EventDecider {
  return (event) => {
    const identity = resolver.resolve(event);
    const evaluation = engine.evaluate(event, identity);
    let verdict: Verdict = 'allow';
    for (const f of identity.findings) verdict = max(verdict, f.verdict);
    verdict = max(verdict, evaluation.verdict);
    const wouldBe = max(verdict, evaluation.shadowVerdict);
    const decision: StageDecision = {
      verdict,
      reasons: [...identity.findings.map(({ code, detail, weight }) => ({ code, detail, weight })), ...evaluation.reasons],
      matched: evaluation.matched,
      owner: identity.owner,
      policy: { id: evaluation.policyId, version: engine.version },
      identity,
      evaluation,
    };
    if (wouldBe !== verdict) decision.wouldBe = wouldBe;
    return decision;
  };
}
