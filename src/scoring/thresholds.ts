/** Which alert/block thresholds apply to an event: policy > identity class > environment > defaults. */
import type { WardenConfig } from '../config/schema.js';
import { VERDICT_RANK } from '../decisions/decision.js';
import type { Verdict } from '../decisions/decision.js';

export interface Thresholds {
  alertAt: number;
  blockAt: number;
}

export function thresholdsFor(
  scoring: WardenConfig['scoring'],
  identityClass: string | null,
  environment: string | null,
  policy?: { alertAt?: number; blockAt?: number },
): Thresholds {
  const env = environment !== null ? scoring.environments[environment] : undefined;
  const cls = identityClass !== null ? scoring.classes[identityClass] : undefined;
  return {
    alertAt: policy?.alertAt ?? cls?.alertAt ?? env?.alertAt ?? scoring.alertAt,
    blockAt: policy?.blockAt ?? cls?.blockAt ?? env?.blockAt ?? scoring.blockAt,
  };
}

export function strongest(...verdicts: Array<Verdict | null | undefined>): Verdict {
  let best: Verdict = 'allow';
  for (let i = 0; i < verdicts.length; i++) {
    const v = verdicts[i];
    if (v && VERDICT_RANK[v] > VERDICT_RANK[best]) best = v;
  }
  return best;
}

export function verdictForScore(score: number, t: Thresholds): Verdict {
  return score >= t.blockAt ? 'block' : score >= t.alertAt ? 'alert' : 'allow';
}
