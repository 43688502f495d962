/** Runs policy test suites with an injected decider, and reports rules no case touched. */
import type { DeciderFactory, StageDecision } from '../decide.js';
import type { PolicySet } from '../compiled.js';
import type { PolicyTestCase, PolicyTestSuite } from './test-file.js';

export interface CaseResult {
  file: string;
  name: string;
  line?: number;
  passed: boolean;
  /** What differed from the expectation, one line each. */
  failures: string[];
  decision: StageDecision | null;
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

export function checkCase(testCase: PolicyTestCase, decision: StageDecision): string[] {
  const failures: string[] = [];
  const { expect } = testCase;
  if (decision.verdict !== expect.verdict) failures.push(`verdict: expected ${expect.verdict}, got ${decision.verdict}`);
  if (expect.reasons) {
    const want = sorted(expect.reasons);
    const got = sorted(decision.reasons.map((r) => r.code));
    if (want.join(',') !== got.join(',')) failures.push(`reasons: expected [${want.join(', ')}], got [${got.join(', ')}]`);
  }
  if (expect.rules) {
    const fired = new Set(decision.matched.map((m) => `${m.policyId}/${m.ruleId}`));
    for (const rule of expect.rules) if (!fired.has(rule)) failures.push(`rules: expected ${rule} to fire; fired: [${sorted(fired).join(', ')}]`);
  }
  const wouldBe = decision.wouldBe ?? decision.verdict;
  if (expect.wouldBe && wouldBe !== expect.wouldBe) failures.push(`wouldBe: expected ${expect.wouldBe}, got ${wouldBe}`);
  return failures;
}

/** Runs every case of a suite with a fresh decider per case. */
export function runSuite(suite: PolicyTestSuite, factory: DeciderFactory): CaseResult[] {
  return suite.cases.map((testCase) => {
    const decide = factory();
    let decision: StageDecision | null = null;
    for (const event of testCase.events) decision = decide(event);
    const failures = decision === null ? ['no events'] : checkCase(testCase, decision);
    return { file: suite.file, name: testCase.name, line: testCase.line, passed: failures.length === 0, failures, decision };
  });
}

/** Every rule and exception of the set, as `policy/rule` and `policy/exception:id`. */
export function allRuleKeys(set: PolicySet): { key: string; file: string; line?: number }[] {
  return set.policies.flatMap((p) => [
    ...p.rules.filter((r) => r.mode !== 'off').map((r) => ({ key: `${p.id}/${r.id}`, file: p.file, line: r.line })),
    ...p.exceptions.map((e) => ({ key: `${p.id}/exception:${e.id}`, file: p.file, line: e.line })),
  ]);
}
