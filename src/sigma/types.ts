/**
 * Sigma rules (the public Sigma specification, https://sigmahq.io/docs/basics/rules.html) evaluated
 * on the original record of each event. See docs/sigma.md.
 */
import type { WardenEvent } from '../events/event.js';
import type { Tier } from '../knowledge/types.js';

/** Sigma rule levels, least to most severe. */
export const SIGMA_LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type SigmaLevel = (typeof SIGMA_LEVELS)[number];

/** The knowledge-pack tier a level weighs as; `informational` weighs nothing (null). */
export const TIER_OF_LEVEL: Readonly<Record<SigmaLevel, Tier | null>> = Object.freeze({
  informational: null,
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
});

/** A loaded rule, compiled once into a predicate over the original record. */
export interface SigmaRule {
  readonly id: string;
  readonly title: string;
  readonly level: SigmaLevel;
  readonly status: string | null;
  /** Source format whose original records the rule reads (`cloudtrail`, `k8s`, `github`, `gcp`). */
  readonly format: string;
  /** ATT&CK technique (`T1098.001`) and tactic (`persistence`) named by the rule's tags, first of each. */
  readonly technique: string | null;
  readonly tactic: string | null;
  /**
   * The detection looks at more than the field that names the action (`eventName`, `verb`,
   * `action`, `protoPayload.methodName`…): it names a variant of an action, so routine use of
   * the action says nothing about it (as the knowledge pack's conditional entries).
   */
  readonly conditional: boolean;
  readonly file: string;
  readonly line: number | undefined;
  readonly matches: (record: Record<string, unknown>) => boolean;
  /** The values of its source's index field the rule can match at all (lower-cased); null: any. */
  readonly keys: ReadonlySet<string> | null;
}

/** A rule the engine cannot evaluate, and why; listed by `warden sigma check` and logged at load. */
export interface SkippedRule {
  readonly file: string;
  readonly line: number | undefined;
  readonly id: string | null;
  readonly title: string | null;
  readonly reason: string;
}

/** One rule that matched an event. */
export interface SigmaHit {
  readonly rule: string;
  readonly title: string;
  readonly level: SigmaLevel;
  /** The knowledge-pack tier the level weighs as; null for `informational`. */
  readonly tier: Tier | null;
  readonly technique: string | null;
  readonly tactic: string | null;
  readonly conditional: boolean;
}

export interface SigmaRuleSet {
  /** Short content hash of the loaded files. */
  readonly version: string;
  readonly rules: readonly SigmaRule[];
  readonly skipped: readonly SkippedRule[];
  /**
   * Hot path: the rules that match the event's original record, most severe first; a shared frozen
   * empty array when none (or when the event has no original record of a supported source).
   */
  match(event: WardenEvent): readonly SigmaHit[];
}
