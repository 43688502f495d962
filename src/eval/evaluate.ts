/**
 * `warden eval`: detection quality of decisions against simulator labels, and of the references.
 *
 * Definitions (docs/eval.md says the same for users):
 * - an attack episode is caught within 5 when one of its first 5 events is flagged (alert or
 *   block); recall is the share of episodes flagged at any point; events to detect is the
 *   position of the first flagged event of a caught episode.
 * - per attack kind (and per `kind/variant`), precision and PR-AUC are one-vs-benign: the
 *   events of that kind's episodes are the positives, every benign event is a negative, and the
 *   other kinds' attack events are left out.
 * - benign flags per drift kind are a share of that drift's benign events (`routine`: no drift).
 */
import type { EventLabel } from '../simulator/generate.js';
import { averagePrecisionSorted, sortedDescending } from './ranking.js';

export { averagePrecision } from './ranking.js';

export interface Scored {
  flagged: boolean;
  blocked: boolean;
  score: number;
}

/** Figures of one attack kind (or one `kind/variant`), ranked one-vs-benign. */
export interface KindFigures {
  episodes: number;
  /** Attack events of this kind's episodes (the positives). */
  events: number;
  caughtWithin5: number;
  /** Share of this kind's episodes flagged within their first 5 events. */
  recallAt5: number;
  /** Share of this kind's episodes flagged at any point. */
  recallAny: number;
  meanEventsToDetect: number | null;
  /** Flagged events of this kind among flagged events of this kind and flagged benign events; null when neither was flagged. */
  precision: number | null;
  /** Average precision of event scores, this kind's events against all benign events. */
  prAuc: number;
}

/** Benign events of one drift kind and how many of them were flagged. */
export interface DriftFigures {
  events: number;
  flagged: number;
  /** `flagged / events`. */
  flagRate: number;
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
  /** Keyed `kind/variant`; empty when no label has a variant. */
  perVariant: Record<string, KindFigures>;
  /** Benign events by the drift they came from (`routine` when none). */
  benignByDrift: Record<string, DriftFigures>;
}

interface Group {
  episodes: Map<string, boolean[]>;
  scores: number[];
  flagged: number;
}

const mean = (xs: number[]): number | null => (xs.length === 0 ? null : Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100);

function addToGroup(groups: Map<string, Group>, key: string, episode: string, s: Scored): void {
  let g = groups.get(key);
  if (!g) {
    g = { episodes: new Map(), scores: [], flagged: 0 };
    groups.set(key, g);
  }
  const flags = g.episodes.get(episode) ?? [];
  flags.push(s.flagged);
  g.episodes.set(episode, flags);
  g.scores.push(s.score);
  if (s.flagged) g.flagged++;
}

/** Episode figures of a set of episodes (each given as its events' flags, in order). */
function episodeFigures(episodes: Iterable<boolean[]>): Pick<KindFigures, 'episodes' | 'caughtWithin5' | 'recallAt5' | 'recallAny' | 'meanEventsToDetect'> {
  let count = 0;
  let within5 = 0;
  const ttd: number[] = [];
  for (const flags of episodes) {
    count++;
    const first = flags.indexOf(true);
    if (first < 0) continue;
    ttd.push(first + 1);
    if (first < 5) within5++;
  }
  return {
    episodes: count,
    caughtWithin5: within5,
    recallAt5: count ? within5 / count : 0,
    recallAny: count ? ttd.length / count : 0,
    meanEventsToDetect: mean(ttd),
  };
}

function groupFigures(groups: Map<string, Group>, benignScores: readonly number[], benignFlagged: number): Record<string, KindFigures> {
  const out: Record<string, KindFigures> = {};
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key)!;
    const flagged = g.flagged + benignFlagged;
    out[key] = {
      ...episodeFigures(g.episodes.values()),
      events: g.scores.length,
      precision: flagged ? g.flagged / flagged : null,
      prAuc: averagePrecisionSorted(sortedDescending(g.scores), benignScores),
    };
  }
  return out;
}

/**
 * Figures of one detector: `scored[i]` is its verdict on the event of `labels[i]`. An attack
 * label without an episode counts as an episode of its own.
 */
export function evaluateDetection(labels: readonly EventLabel[], scored: readonly Scored[], hasBlocks: boolean): DetectionFigures {
  const episodes = new Map<string, boolean[]>();
  const kinds = new Map<string, Group>();
  const variants = new Map<string, Group>();
  const drift = new Map<string, DriftFigures>();
  const benignScores: number[] = [];
  const attackScores: number[] = [];
  let benignFlag = 0;
  let benignBlock = 0;
  let attackFlag = 0;
  labels.forEach((l, i) => {
    const s = scored[i] ?? { flagged: false, blocked: false, score: 0 };
    if (l.label === 'attack') {
      const episode = l.episode ?? `event:${l.eventId}`;
      const flags = episodes.get(episode) ?? [];
      flags.push(s.flagged);
      episodes.set(episode, flags);
      attackScores.push(s.score);
      if (s.flagged) attackFlag++;
      const kind = l.kind ?? 'unknown';
      addToGroup(kinds, kind, episode, s);
      if (l.variant) addToGroup(variants, `${kind}/${l.variant}`, episode, s);
      return;
    }
    benignScores.push(s.score);
    const d = drift.get(l.drift ?? 'routine') ?? { events: 0, flagged: 0, flagRate: 0 };
    d.events++;
    if (s.flagged) {
      benignFlag++;
      d.flagged++;
    }
    if (s.blocked) benignBlock++;
    drift.set(l.drift ?? 'routine', d);
  });
  const benign = benignScores.length;
  const negatives = sortedDescending(benignScores);
  const overall = episodeFigures(episodes.values());
  const flagged = attackFlag + benignFlag;
  return {
    episodes: overall.episodes,
    recallAt5: overall.recallAt5,
    recallAny: overall.recallAny,
    meanEventsToDetect: overall.meanEventsToDetect,
    benignEvents: benign,
    benignAlertRate: benign ? benignFlag / benign : 0,
    benignBlockRate: hasBlocks ? (benign ? benignBlock / benign : 0) : null,
    precision: flagged ? attackFlag / flagged : 0,
    prAuc: averagePrecisionSorted(sortedDescending(attackScores), negatives),
    perKind: groupFigures(kinds, negatives, benignFlag),
    perVariant: groupFigures(variants, negatives, benignFlag),
    benignByDrift: Object.fromEntries(
      [...drift.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, d]) => [k, { ...d, flagRate: d.flagged / d.events }]),
    ),
  };
}
