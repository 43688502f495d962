/**
 * The technique knowledge pack: what an action means (ATT&CK tactic and technique) and how
 * sensitive it is, known on day zero, before Warden has learned anything about the identity.
 * See docs/detections.md.
 */
import type { WardenEvent } from '../events/event.js';

export type Tier = 'critical' | 'high' | 'medium' | 'low';

/** One entry of the pack that fired for an event. */
export interface TechniqueHit {
  /** Entry id, e.g. `aws.cloudtrail.stop-logging`. */
  entry: string;
  /** ATT&CK tactic slug, e.g. `defense-evasion`. */
  tactic: string;
  /** ATT&CK technique id, e.g. `T1562.008`. */
  technique: string;
  /** Technique or entry name, short. */
  name: string;
  tier: Tier;
  /** One readable line naming what was seen, e.g. `trail logging stopped: arn:…`. */
  detail: string;
  /**
   * The entry has a condition on the request: it names a dangerous variant of an action (a bucket
   * policy for `*`), so an identity's routine use of the action says nothing about this variant.
   */
  conditional?: boolean;
}

/** How sensitive an action is, e.g. `{ tier: 'high', category: 'credential-read' }`. */
export interface Sensitivity {
  tier: Tier;
  /** e.g. `credential-read`, `iam-write`, `logging`, `data-read`, `read`, `write`. */
  category: string;
}

/** What the pack says about one event. */
export interface Classification {
  hits: readonly TechniqueHit[];
  /** The highest tier among the entries that fire, else the matching `sensitivity` class, else null. */
  sensitivity: Sensitivity | null;
}

export interface KnowledgePack {
  /** Short content hash of the loaded files. */
  readonly version: string;
  /** Number of entries. */
  readonly size: number;
  /**
   * Hot path (called for every event): the entries that fire, most severe first, and the action's
   * sensitivity, each entry's condition evaluated once. Nothing known: a shared frozen value.
   */
  classify(event: WardenEvent): Classification;
  /** The entries that fire, most severe first (`classify(event).hits`); a shared frozen empty array when none. */
  match(event: WardenEvent): readonly TechniqueHit[];
  /** `classify(event).sensitivity`. */
  sensitivity(event: WardenEvent): Sensitivity | null;
}

/** Tiers from most to least severe; the index is the rank (lower is more severe). */
export const TIERS: readonly Tier[] = Object.freeze(['critical', 'high', 'medium', 'low']);

export const TIER_RANK: Readonly<Record<Tier, number>> = Object.freeze({ critical: 0, high: 1, medium: 2, low: 3 });
