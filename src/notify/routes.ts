/**
 * Which targets a decision goes to: every route whose match holds adds its targets. Fields of a
 * match are and-ed, the values of one field or-ed; an absent field matches anything. Compiled once
 * (identity globs with picomatch) so routing a decision costs a few comparisons.
 */
import picomatch from 'picomatch';
import type { Decision } from '../decisions/decision.js';
import type { NotifyRouteConfig } from '../config/sections/notify.js';

export type RoutedDecision = Pick<Decision, 'identity' | 'owner' | 'verdict' | 'reasons'>;

/** The owner value a route names to match decisions without an owner. */
export const UNOWNED = 'unowned';

export type Router = (decision: RoutedDecision) => string[];

export function compileRoutes(routes: readonly NotifyRouteConfig[]): Router {
  const compiled = routes.map((route) => {
    const { owner, verdict, reason, identity } = route.match;
    const owners = owner ? new Set(owner) : null;
    const verdicts = verdict ? new Set<string>(verdict) : null;
    // `SIGMA:*` matches every code with that prefix; other codes match exactly.
    const reasons = reason ? new Set(reason.filter((r) => !r.endsWith('*'))) : null;
    const prefixes = reason ? reason.filter((r) => r.endsWith('*')).map((r) => r.slice(0, -1)) : [];
    const identityMatch = identity ? picomatch(identity, { dot: true }) : null;
    return (d: RoutedDecision): boolean =>
      (owners === null || owners.has(d.owner ?? UNOWNED)) &&
      (verdicts === null || verdicts.has(d.verdict)) &&
      (reasons === null || d.reasons.some((r) => reasons.has(r.code) || prefixes.some((p) => r.code.startsWith(p)))) &&
      (identityMatch === null || identityMatch(d.identity));
  });
  return (decision) => {
    const targets = new Set<string>();
    for (const [i, matches] of compiled.entries()) if (matches(decision)) for (const t of routes[i]!.targets) targets.add(t);
    return [...targets];
  };
}
