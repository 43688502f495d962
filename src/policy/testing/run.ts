/**
 * Runs policy test suites with an injected decider (the CLI gives it the one decider of replay
 * and run), and reports rules no case touched.
 */
import type { Decision } from '../../decisions/decision.js';
import type { WardenEvent } from '../../events/event.js';
import type { MatchedRule } from '../types.js';
import type { PolicySet } from '../compiled.js';
import type { PolicyTestCase, PolicyTestSuite } from './test-file.js';

/** The decision of a case's last event, the rules that fired for it, and the codes of its identity and policy stages. */
export interface CaseDecision {
  decision: Decision;
  matched: MatchedRule[];
  /** Reason codes raised by the identity stage (clarity findings) and the policy stage. */
  ruleCodes: string[];
}

/** Decides a case's events in order from fresh state (no profile, no rate-limit window); returns the last one. */
export type CaseDecider = (events: readonly WardenEvent[]) => Promise<CaseDecision>;

export interface CaseResult {
  file: string;
  name: string;
  line?: number;
  passed: boolean;
  /** What differed from the expectation, one line each. */
  failures: string[];
  decision: CaseDecision | null;
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

export function checkCase(testCase: PolicyTestCase, { decision, matched, ruleCodes }: CaseDecision): string[] {
  const failures: string[] = [];
  const { expect } = testCase;
  if (decision.verdict !== expect.verdict) failures.push(`verdict: expected ${expect.verdict}, got ${decision.verdict} (risk ${decision.score})`);
  if (expect.reasons) {
    const want = sorted(expect.reasons);
    const staged = new Set(ruleCodes);
    const got = sorted(decision.reasons.map((r) => r.code).filter((c) => staged.has(c)));
    if (want.join(',') !== got.join(',')) failures.push(`reasons (identity and policy): expected [${want.join(', ')}], got [${got.join(', ')}]`);
  }
  if (expect.techniques) {
    const want = sorted(expect.techniques);
    const got = sorted(decision.reasons.flatMap((r) => (r.code === 'ATTACK_TECHNIQUE' && r.technique !== undefined ? [r.technique] : [])));
    if (want.join(',') !== got.join(',')) failures.push(`techniques: expected [${want.join(', ')}], got [${got.join(', ')}]`);
  }
  if (expect.rules) {
    const fired = new Set(matched.map((m) => `${m.policyId}/${m.ruleId}`));
    for (const rule of expect.rules) if (!fired.has(rule)) failures.push(`rules: expected ${rule} to fire; fired: [${sorted(fired).join(', ')}]`);
  }
  const wouldBe = decision.wouldBe ?? decision.verdict;
  if (expect.wouldBe && wouldBe !== expect.wouldBe) failures.push(`wouldBe: expected ${expect.wouldBe}, got ${wouldBe}`);
  return failures;
}

/** Runs every case of a suite, each from fresh state. */
export async function runSuite(suite: PolicyTestSuite, decideCase: CaseDecider): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const testCase of suite.cases) {
    const decided = testCase.events.length === 0 ? null : await decideCase(testCase.events);
    const failures = decided === null ? ['no events'] : checkCase(testCase, decided);
    results.push({ file: suite.file, name: testCase.name, line: testCase.line, passed: failures.length === 0, failures, decision: decided });
  }
  return results;
}

/** Every rule and exception of the set, as `policy/rule` and `policy/exception:id`. */
export function allRuleKeys(set: PolicySet): { key: string; file: string; line?: number }[] {
  return set.policies.flatMap((p) => [
    ...p.rules.filter((r) => r.mode !== 'off').map((r) => ({ key: `${p.id}/${r.id}`, file: p.file, line: r.line })),
    ...p.exceptions.map((e) => ({ key: `${p.id}/exception:${e.id}`, file: p.file, line: e.line })),
  ]);
}
