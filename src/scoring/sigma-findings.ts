/**
 * Sigma matches as findings (docs/sigma.md "Level → weight"): a level weighs as the knowledge
 * pack's tier of the same name, with the pack's routine discount, and joins the pack's hits in
 * `techniqueFindings` (decider.ts).
 */
import type { WardenConfig } from '../config/schema.js';
import type { Finding } from '../baseline/finding.js';
import { finding } from '../baseline/finding.js';
import { SIGMA_PREFIX } from '../decisions/reason-codes.js';
import type { SigmaHit } from '../sigma/types.js';

/** A technique the knowledge pack or a Sigma rule recognised (they weigh and count alike). */
export const isTechniqueFinding = (f: Finding): boolean => f.code === 'ATTACK_TECHNIQUE' || f.code.startsWith(SIGMA_PREFIX);

/**
 * One finding per matched rule, `SIGMA:<rule id>`. Routine use of the action discounts a low,
 * medium or high rule, never a critical one nor a conditional high one (its detection names a
 * dangerous variant of the action). A match is always reported, even when its level weighs
 * nothing (informational, or low by default).
 */
export function sigmaFindings(hits: readonly SigmaHit[], routine: boolean, k: WardenConfig['knowledge']): Finding[] {
  return hits.map((h) => {
    const routineHit = routine && h.tier !== null && h.tier !== 'critical' && !(h.conditional && h.tier === 'high');
    const weight = h.tier === null ? 0 : Math.round(k.weights[h.tier] * (routineHit ? k.routineFactor : 1) * 10) / 10;
    const out = finding(`${SIGMA_PREFIX}${h.rule}`, `Sigma rule "${h.title}" (${h.level}${routineHit ? ', routine for this identity' : ''})`, weight, 'signal');
    if (h.technique !== null) {
      out.technique = h.technique;
      if (h.tactic !== null) out.tactic = h.tactic;
    }
    return out;
  });
}

/**
 * A Sigma rule and a knowledge entry (or two Sigma rules) naming the same ATT&CK technique on one
 * event are one piece of evidence, not two that corroborate each other: the strongest of them
 * weighs (`keep`, the event's strongest hit, when it is one of them), the others are reported with
 * no weight. So is a rule that names only the action next to a knowledge entry at least as strong.
 * Knowledge entries among themselves keep the pack's own rule. `findings` starts with one finding
 * per `sigma` hit, in order.
 */
export function countTechniqueOnce(findings: Finding[], keep: number, sigma: readonly SigmaHit[]): void {
  // A rule that names only the action (not conditional) says what a knowledge entry on the same
  // event says, whatever ATT&CK version tagged each: next to an entry at least as strong, it adds nothing.
  const pack = findings.filter((f) => f.code === 'ATTACK_TECHNIQUE');
  const strongestEntry = pack.length > 0 ? pack.reduce((a, b) => (b.weight > a.weight ? b : a)) : null;
  sigma.forEach((h, i) => {
    const f = findings[i]!;
    if (strongestEntry && !h.conditional && f.weight > 0 && strongestEntry.weight >= f.weight) {
      findings[i] = { ...f, weight: 0, detail: `${f.detail}; counted once, with knowledge entry ${strongestEntry.entry} (same action)` };
    }
  });
  const groups = new Map<string, number[]>();
  findings.forEach((f, i) => {
    if (f.technique === undefined) return;
    const base = f.technique.split('.')[0] as string;
    groups.set(base, [...(groups.get(base) ?? []), i]);
  });
  for (const members of groups.values()) {
    if (members.length < 2 || !members.some((i) => findings[i]!.code.startsWith(SIGMA_PREFIX))) continue;
    const kept = members.includes(keep) ? keep : members.reduce((a, b) => (findings[b]!.weight > findings[a]!.weight ? b : a));
    const by = findings[kept]!;
    for (const i of members) {
      const f = findings[i]!;
      if (i !== kept && f.weight > 0) findings[i] = { ...f, weight: 0, detail: `${f.detail}; counted once, with ${by.code === 'ATTACK_TECHNIQUE' ? `knowledge entry ${by.entry}` : by.code} (same technique)` };
    }
  }
}
