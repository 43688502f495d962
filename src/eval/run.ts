/** Runs simulate → decide → evaluate in process (used by `bench/detection.ts` and tests). */
import type { WardenConfig } from '../config/schema.js';
import type { Decision } from '../decisions/decision.js';
import type { IdentityResolver } from '../identity/types.js';
import type { PolicyEngine } from '../policy/types.js';
import type { KnowledgePack } from '../knowledge/types.js';
import { MemoryBaselineStore } from '../baseline/store-memory.js';
import { createDecider } from '../scoring/decider.js';
import { replayEvents } from '../pipeline/replay.js';
import type { EventLabel, Simulation } from '../simulator/generate.js';
import type { DetectionFigures, Scored } from './evaluate.js';
import { evaluateDetection } from './evaluate.js';
import { newValueReference, rateReference } from './references.js';

export interface Comparison {
  /** Labels that have a decision: the figures are computed on these. */
  decided: number;
  /** Labels without a decision (e.g. records the normalizer rejected during the replay). */
  missing: number;
  /** Decisions for events that have no label (not scored). */
  unlabelled: number;
  warden: DetectionFigures;
  newValue: DetectionFigures;
  rateThreshold: DetectionFigures;
}

export interface JoinedDecisions {
  /** The labels that have a decision, in label order. */
  labels: EventLabel[];
  /** `decisions[i]` is the decision on the event of `labels[i]`. */
  decisions: Decision[];
  missing: number;
  unlabelled: number;
}

/**
 * Pairs labels and decisions by event id, not by position: a replay of `cloudtrail.jsonl` decides
 * the same events in the same order but has no decision for a record it rejected. The first
 * decision of an event counts.
 */
export function joinByEventId(labels: readonly EventLabel[], decisions: readonly Decision[]): JoinedDecisions {
  const byEvent = new Map<string, Decision>();
  for (const d of decisions) if (!byEvent.has(d.eventId)) byEvent.set(d.eventId, d);
  const out: JoinedDecisions = { labels: [], decisions: [], missing: 0, unlabelled: 0 };
  const labelled = new Set<string>();
  for (const l of labels) {
    labelled.add(l.eventId);
    const d = byEvent.get(l.eventId);
    if (!d) {
      out.missing++;
      continue;
    }
    out.labels.push(l);
    out.decisions.push(d);
  }
  for (const id of byEvent.keys()) if (!labelled.has(id)) out.unlabelled++;
  return out;
}

export function scoreDecisions(decisions: readonly Decision[]): Scored[] {
  return decisions.map((d) => {
    const v = d.wouldBe ?? d.verdict;
    return { flagged: v !== 'allow', blocked: v === 'block', score: d.score };
  });
}

/**
 * Warden's decisions and the two references, scored on the labels that have a decision. The
 * references run on `sim.events` (whatever was read: native events or normalized CloudTrail)
 * and are joined to the labels by event id too; an event they never saw counts as not flagged.
 */
export function compareWithReferences(sim: Pick<Simulation, 'events' | 'labels'>, decisions: readonly Decision[], learningDays: number): Comparison {
  const learningMs = learningDays * 86_400_000;
  const joined = joinByEventId(sim.labels, decisions);
  const asScored = (refs: ReturnType<typeof newValueReference>): Scored[] => {
    const byEvent = new Map<string, Scored>();
    refs.forEach((r, i) => {
      const id = sim.events[i]?.id;
      if (id !== undefined && !byEvent.has(id)) byEvent.set(id, { flagged: r.flagged, blocked: false, score: r.score });
    });
    return joined.labels.map((l) => byEvent.get(l.eventId) ?? { flagged: false, blocked: false, score: 0 });
  };
  return {
    decided: joined.labels.length,
    missing: joined.missing,
    unlabelled: joined.unlabelled,
    warden: evaluateDetection(joined.labels, scoreDecisions(joined.decisions), true),
    newValue: evaluateDetection(joined.labels, asScored(newValueReference(sim.events, learningMs)), false),
    rateThreshold: evaluateDetection(joined.labels, asScored(rateReference(sim.events, learningMs)), false),
  };
}

export async function decideSimulation(sim: Pick<Simulation, 'events'>, config: WardenConfig, resolver: IdentityResolver, policy: PolicyEngine, knowledge: KnowledgePack | null = null): Promise<Decision[]> {
  const decider = createDecider({ config, resolver, policy, store: new MemoryBaselineStore(), knowledge });
  const out: Decision[] = [];
  await replayEvents(sim.events, decider, (ds) => {
    out.push(...ds);
  });
  return out;
}
