/** The decision Warden publishes for every event (allow included). See DESIGN.md. */

export type Verdict = 'allow' | 'alert' | 'block';

/** Verdicts from the weakest to the strongest: a stronger one wins wherever two meet. */
export const VERDICT_RANK: Readonly<Record<Verdict, number>> = Object.freeze({ allow: 0, alert: 1, block: 2 });

/** The stronger of two verdicts; `a` may be none yet. */
export function strongerVerdict(a: Verdict | null, b: Verdict): Verdict {
  return a === null || VERDICT_RANK[b] > VERDICT_RANK[a] ? b : a;
}

/** `enforce` publishes the verdict; `shadow` publishes allow and records what it would have done. */
export type DecisionMode = 'enforce' | 'shadow';

export interface Reason {
  /** A stable code from REASON_CODES. */
  code: string;
  /** Human-readable detail about this event, e.g. "first use of iam:CreateAccessKey in 30d". */
  detail: string;
  /** Points this reason adds to the risk score (0..100 scale). */
  weight: number;
  /** `ATTACK_TECHNIQUE` reasons: the MITRE ATT&CK technique id and tactic, and the knowledge entry. */
  technique?: string;
  tactic?: string;
  entry?: string;
  /** `APPROVED` reasons: the id of the approval whose grant covered the action. */
  approval?: string;
}

export interface Decision {
  decisionId: string;
  eventId: string;
  identity: string;
  owner: string | null;
  action: string;
  resource: string | null;
  eventTime: string;
  /** Event time of the decision (replay) or wall clock of the deciding instance (live). */
  decidedAt: string;
  verdict: Verdict;
  /** What the decision would have been without shadow mode; present only when it differs. */
  wouldBe?: Verdict;
  score: number;
  mode: DecisionMode;
  reasons: Reason[];
  policy: { id: string | null; version: string };
  model: string | null;
  /** True when a stage (the baseline store) was unavailable and the decision was made without it. */
  degraded?: boolean;
  sig?: string;
}
