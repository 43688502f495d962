/** Ranking figures of event scores: average precision (the area under the precision-recall curve). */

const descending = (a: number, b: number): number => b - a;
/** A missing or NaN score ranks last rather than breaking the sort. */
const rankable = (s: number): number => (Number.isNaN(s) ? -Infinity : s);

/**
 * Average precision of positives ranked against negatives, both given as scores sorted from
 * highest to lowest. Events with the same score share one threshold (ties are not broken in
 * anyone's favour): AP = Σ over thresholds of (recall gained) × (precision at that threshold).
 * Sorting the negatives once lets many positive groups be ranked against the same negatives.
 */
export function averagePrecisionSorted(positives: readonly number[], negatives: readonly number[]): number {
  const total = positives.length;
  if (total === 0) return 0;
  let i = 0;
  let j = 0;
  let ap = 0;
  // Once every positive is ranked, recall no longer grows: lower thresholds add nothing.
  while (i < total) {
    const p = positives[i] ?? -Infinity;
    const n = j < negatives.length ? (negatives[j] ?? -Infinity) : -Infinity;
    const threshold = Math.max(p, n);
    const before = i;
    const negativesBefore = j;
    while (i < total && positives[i] === threshold) i++;
    while (j < negatives.length && negatives[j] === threshold) j++;
    if (i === before && j === negativesBefore) break; // unsorted or NaN input: stop rather than spin
    if (i > before) ap += ((i - before) / total) * (i / (i + j));
  }
  return ap;
}

/** Scores sorted from highest to lowest (a copy). */
export function sortedDescending(scores: readonly number[]): number[] {
  return scores.map(rankable).sort(descending);
}

/** Average precision of event scores against which events are positives. */
export function averagePrecision(scores: readonly number[], positives: readonly boolean[]): number {
  const pos: number[] = [];
  const neg: number[] = [];
  scores.forEach((s, i) => (positives[i] ? pos : neg).push(rankable(s)));
  return averagePrecisionSorted(pos.sort(descending), neg.sort(descending));
}
