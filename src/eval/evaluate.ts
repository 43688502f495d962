/** `warden eval`: detection quality of decisions against simulator labels, and of the references. */
import type { EventLabel } from '../simulator/generate.js';

export interface Scored {
  flagged: boolean;
  blocked: boolean;
  score: number;
}

export interface KindFigures {
  episodes: number;
  caughtWithin5: number;
  recallAt5: number;
  meanEventsToDetect: number | null;
}

export interface DetectionFigures {
  episodes: number;
  /** Share of attack episodes flagged (alert or block) within their first 5 events. */
  recallAt5: number;
  /** Share flagged at any point. */
  recallAny: number;
  meanEventsToDetect: number | null;
  benignEvents: number;
  benignAlertRate: number;
  benignBlockRate: number | null;
  /** Attack events among flagged events. */
  precision: number;
  /** Area under the precision-recall curve of event scores (average precision). */
  prAuc: number;
  perKind: Record<string, KindFigures>;
  /** Benign flagged events by the drift they came from (`routine` when none). */
  falsePositivesByDrift: Record<string, number>;
}

export function averagePrecision(scores: readonly number[], positives: readonly boolean[]): number {
  const order = scores.map((s, i) => i).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
  const totalPos = positives.filter(Boolean).length;
  if (totalPos === 0) return 0;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  let i = 0;
  while (i < order.length) {
    // Ties share one threshold: step over all of them at once.
    const s = scores[order[i] ?? 0] ?? 0;
    while (i < order.length && (scores[order[i] ?? 0] ?? 0) === s) {
      if (positives[order[i] ?? 0]) tp++;
      else fp++;
      i++;
    }
    const recall = tp / totalPos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

export function evaluateDetection(labels: readonly EventLabel[], scored: readonly Scored[], hasBlocks: boolean): DetectionFigures {
  const episodes = new Map<string, { kind: string; flags: boolean[] }>();
  let benign = 0;
  let benignFlag = 0;
  let benignBlock = 0;
  let flagged = 0;
  let flaggedAttack = 0;
  const fpByDrift: Record<string, number> = {};
  labels.forEach((l, i) => {
    const s = scored[i] ?? { flagged: false, blocked: false, score: 0 };
    if (s.flagged) flagged++;
    if (l.label === 'attack' && l.episode) {
      if (s.flagged) flaggedAttack++;
      const ep = episodes.get(l.episode) ?? { kind: l.kind ?? 'unknown', flags: [] };
      ep.flags.push(s.flagged);
      episodes.set(l.episode, ep);
    } else {
      benign++;
      if (s.flagged) {
        benignFlag++;
        const k = l.drift ?? 'routine';
        fpByDrift[k] = (fpByDrift[k] ?? 0) + 1;
      }
      if (s.blocked) benignBlock++;
    }
  });
  const perKind: Record<string, KindFigures & { ttd: number[] }> = {};
  let within5 = 0;
  let any = 0;
  const ttd: number[] = [];
  for (const ep of episodes.values()) {
    const k = (perKind[ep.kind] ??= { episodes: 0, caughtWithin5: 0, recallAt5: 0, meanEventsToDetect: null, ttd: [] });
    k.episodes++;
    const first = ep.flags.indexOf(true);
    if (first >= 0) {
      any++;
      ttd.push(first + 1);
      k.ttd.push(first + 1);
      if (first < 5) {
        within5++;
        k.caughtWithin5++;
      }
    }
  }
  const mean = (xs: number[]): number | null => (xs.length === 0 ? null : Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100);
  const kinds: Record<string, KindFigures> = {};
  for (const [kind, k] of Object.entries(perKind).sort()) {
    kinds[kind] = { episodes: k.episodes, caughtWithin5: k.caughtWithin5, recallAt5: k.caughtWithin5 / k.episodes, meanEventsToDetect: mean(k.ttd) };
  }
  return {
    episodes: episodes.size,
    recallAt5: episodes.size ? within5 / episodes.size : 0,
    recallAny: episodes.size ? any / episodes.size : 0,
    meanEventsToDetect: mean(ttd),
    benignEvents: benign,
    benignAlertRate: benign ? benignFlag / benign : 0,
    benignBlockRate: hasBlocks ? (benign ? benignBlock / benign : 0) : null,
    precision: flagged ? flaggedAttack / flagged : 0,
    prAuc: averagePrecision(scored.map((s) => s.score), labels.map((l) => l.label === 'attack')),
    perKind: kinds,
    falsePositivesByDrift: fpByDrift,
  };
}
