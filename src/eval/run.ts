/** Runs simulate → decide → evaluate in process (used by `bench/detection.ts` and tests). */
import type { WardenConfig } from '../config/schema.js';
import type { Decision } from '../decisions/decision.js';
import type { IdentityResolver } from '../identity/types.js';
import type { PolicyEngine } from '../policy/types.js';
import type { KnowledgePack } from '../knowledge/types.js';
import { MemoryBaselineStore } from '../baseline/store-memory.js';
import { createDecider } from '../scoring/decider.js';
import { replayEvents } from '../pipeline/replay.js';
import type { Simulation } from '../simulator/generate.js';
import type { DetectionFigures, Scored } from './evaluate.js';
import { evaluateDetection } from './evaluate.js';
import { newValueReference, rateReference } from './references.js';

export interface Comparison {
  warden: DetectionFigures;
  newValue: DetectionFigures;
  rateThreshold: DetectionFigures;
}

export function scoreDecisions(decisions: readonly Decision[]): Scored[] {
  return decisions.map((d) => {
    const v = d.wouldBe ?? d.verdict;
    return { flagged: v !== 'allow', blocked: v === 'block', score: d.score };
  });
}

export function compareWithReferences(sim: Pick<Simulation, 'events' | 'labels'>, decisions: readonly Decision[], learningDays: number): Comparison {
  const learningMs = learningDays * 86_400_000;
  const asScored = (refs: ReturnType<typeof newValueReference>): Scored[] => refs.map((r) => ({ flagged: r.flagged, blocked: false, score: r.score }));
  return {
    warden: evaluateDetection(sim.labels, scoreDecisions(decisions), true),
    newValue: evaluateDetection(sim.labels, asScored(newValueReference(sim.events, learningMs)), false),
    rateThreshold: evaluateDetection(sim.labels, asScored(rateReference(sim.events, learningMs)), false),
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
