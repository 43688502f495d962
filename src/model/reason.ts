/** The model's contribution to a decision: a MODEL_ANOMALY reason that says why, in words. */
import type { Reason } from '../decisions/decision.js';
import type { ScoreResult } from './scorer.js';

export interface ModelReasonOptions {
  /** Percentile from which the model speaks at all. @defaultValue 99.5 */
  minPercentile: number;
  /** Percentile at which the reason carries its full weight. @defaultValue 99.95 */
  fullWeightPercentile: number;
  /** Risk points at full weight (0..100 scale). @defaultValue 25 */
  weight: number;
  /** Contributing feature groups named in the detail. @defaultValue 3 */
  topGroups?: number;
}

function formatPercentile(p: number): string {
  if (p >= 100) return 'above every benign event';
  return `at p${p >= 99.9 ? p.toFixed(2) : p.toFixed(1)} of benign traffic`;
}

/**
 * The reason for row `row` of a score result, or null when its percentile is below
 * `minPercentile`. Weight grows linearly from half at `minPercentile` to full at
 * `fullWeightPercentile`, so a barely-unusual event nudges the risk and a unique one counts fully.
 */
export function modelReason(result: ScoreResult, row: number, options: ModelReasonOptions, context: { version: string; identityClass?: string | null }): Reason | null {
  const p = result.percentile[row];
  if (p === undefined || p < options.minPercentile) return null;
  const span = Math.max(1e-9, options.fullWeightPercentile - options.minPercentile);
  const fraction = Math.min(1, 0.5 + (0.5 * (p - options.minPercentile)) / span);
  const weight = Math.round(options.weight * fraction);

  const g = result.groups.length;
  let total = 0;
  const contributions = result.groups.map((name, j) => {
    const value = result.groupErrors[row * g + j] ?? 0;
    total += value;
    return { name, value };
  });
  contributions.sort((a, b) => b.value - a.value);
  const top = contributions
    .slice(0, options.topGroups ?? 3)
    .filter((c) => c.value > 0)
    .map((c) => `${c.name} ${Math.round((100 * c.value) / (total || 1))}%`);

  const against = context.identityClass ? `class ${context.identityClass}` : 'all identities';
  const detail = `reconstruction error ${formatPercentile(p)} (${against}, model ${context.version})${top.length ? `; unusual: ${top.join(', ')}` : ''}`;
  return { code: 'MODEL_ANOMALY', detail, weight };
}
