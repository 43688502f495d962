/**
 * Combines identity findings, the policy evaluation, baseline findings and the optional model
 * score into one risk (0..100), readable weighted reasons, and a verdict.
 */
import type { Reason, Verdict, DecisionMode } from '../decisions/decision.js';
import type { IdentityResolution } from '../identity/types.js';
import type { PolicyEvaluation } from '../policy/types.js';
import type { Finding } from '../baseline/finding.js';
import type { ModelScore } from './model-port.js';
import type { Thresholds } from './thresholds.js';
import { strongest, verdictForScore } from './thresholds.js';

export interface CombineInput {
  identity: IdentityResolution;
  policy: PolicyEvaluation;
  findings: readonly Finding[];
  learning: boolean;
  learningWeight: number;
  /** What the LEARNING reason says, when the caller weighed the findings itself (peer blend). */
  learningDetail?: string;
  familyCap: number;
  model: ModelScore | null;
  modelWeight: number;
  /** Reason codes an operator marked benign for this identity (weigh a quarter). */
  suppressed: ReadonlySet<string>;
  thresholds: Thresholds;
  mode: DecisionMode;
}

export interface Combined {
  score: number;
  reasons: Reason[];
  verdict: Verdict;
  wouldBe?: Verdict;
  /** The verdict that anomaly scoring alone would give (used to decide what the baseline learns). */
  anomalyVerdict: Verdict;
}

/** Weight of every finding of a family after its strongest one (see capFamilies). */
const NESTED_SHARE = 0.5;

/**
 * Per family (what, where, when, volume, failures), the findings of one event are nested views of
 * one change — a new service brings a new action and usually a new resource pattern, a new country
 * a new ASN, network and IP — so the strongest counts in full and each further one at
 * `NESTED_SHARE`. Then each family adds at most `cap` points, keeping proportions; the cap widens
 * by the largest `scale` among the family's findings (a value far rarer than usual for the
 * identity, or a sensitive action), never narrows, and stays below the block threshold (`maxCap`).
 * `signal` findings are independent and neither nested nor capped.
 */
function capFamilies(findings: readonly Finding[], cap: number, factor: number, suppressed: ReadonlySet<string>, maxCap: number, out: Reason[]): void {
  const n = findings.length;
  if (n === 0) return;
  if (n === 1) {
    // Half of all events carry exactly one finding: it is its family's strongest, alone under the cap.
    out.push(reasonOf(findings[0]!, cappedAlone(findings[0]!, cap, factor, suppressed, maxCap)));
    return;
  }
  // Per event there are a handful of findings and families at most: plain arrays, a family's slot
  // found by a scan (-1 for signals, which are neither nested nor capped).
  const w: number[] = [];
  const slot: number[] = [];
  const families: string[] = [];
  const strongest: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = findings[i]!;
    w.push(weightOf(f, factor, suppressed));
    if (f.family === 'signal') {
      slot.push(-1);
      continue;
    }
    let s = families.indexOf(f.family);
    if (s < 0) {
      s = families.push(f.family) - 1;
      strongest.push(i);
    } else if (w[i]! > w[strongest[s]!]!) {
      strongest[s] = i;
    }
    slot.push(s);
  }
  const sums: number[] = [];
  const caps: number[] = [];
  for (let s = 0; s < families.length; s++) {
    sums.push(0);
    caps.push(cap);
  }
  for (let i = 0; i < n; i++) {
    const s = slot[i]!;
    if (s < 0) continue;
    if (strongest[s] !== i) w[i]! *= NESTED_SHARE;
    sums[s]! += w[i]!;
    caps[s] = Math.max(caps[s]!, Math.min(maxCap, cap * (findings[i]!.scale ?? 1)));
  }
  for (let i = 0; i < n; i++) {
    const s = slot[i]!;
    out.push(reasonOf(findings[i]!, s >= 0 && sums[s]! > caps[s]! ? (w[i]! * caps[s]!) / sums[s]! : w[i]!));
  }
}

/** A finding's weight before nesting and capping: learning and operator feedback discount it. */
function weightOf(f: Finding, factor: number, suppressed: ReadonlySet<string>): number {
  return f.weight * factor * (suppressed.has(f.code) ? 0.25 : 1);
}

/** capFamilies for a lone finding: the same arithmetic with one family of one member. */
function cappedAlone(f: Finding, cap: number, factor: number, suppressed: ReadonlySet<string>, maxCap: number): number {
  const w = weightOf(f, factor, suppressed);
  if (f.family === 'signal') return w;
  const familyCap = Math.max(cap, Math.min(maxCap, cap * (f.scale ?? 1)));
  // (w·cap)/w rather than cap: the general path's arithmetic, so the rounding is the same.
  return w > familyCap ? (w * familyCap) / w : w;
}

function reasonOf(f: Finding, scaled: number): Reason {
  const reason: Reason = { code: f.code, detail: f.detail, weight: Math.round(scaled * 10) / 10 };
  if (f.technique !== undefined) {
    reason.technique = f.technique;
    if (f.tactic !== undefined) reason.tactic = f.tactic;
    if (f.entry !== undefined) reason.entry = f.entry;
  }
  return reason;
}

/**
 * Points a block needs from outside its strongest source of evidence (one finding family, one
 * signal or technique, the identity stage, the policy, the model): a third of the alert
 * threshold's worth of the default weights, so that a value far rarer than usual, or one loud
 * signal, alerts on its own but blocks only when something else agrees.
 */
export const MIN_CORROBORATION = 15;

function addTo(sums: Map<string, number>, key: string, w: number): void {
  sums.set(key, (sums.get(key) ?? 0) + w);
}

/** `reasons[from]` onwards are the baseline's, one per finding (capFamilies). */
function corroboration(input: CombineInput, reasons: readonly Reason[], from: number, total: number): number {
  const bySource = new Map<string, number>();
  for (const f of input.identity.findings) addTo(bySource, 'identity', f.opened ? f.weight : 0);
  for (const r of input.policy.reasons) addTo(bySource, 'policy', r.weight);
  input.findings.forEach((f, i) => {
    const r = reasons[from + i]!;
    addTo(bySource, f.family === 'signal' ? `signal:${r.code}:${i}` : f.family, r.weight);
  });
  let strongest = 0;
  for (const w of bySource.values()) strongest = Math.max(strongest, w);
  return total - strongest;
}

/** Heaviest first, then by code. */
function reasonOrder(a: Reason, b: Reason): number {
  return b.weight - a.weight || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/**
 * `reasons.sort(reasonOrder)` for the handful of reasons an event has: an insertion sort, stable
 * like Array.prototype.sort (so the order is the same), without the work array the built-in
 * allocates on every call.
 */
function sortReasons(reasons: Reason[]): void {
  for (let i = 1; i < reasons.length; i++) {
    const r = reasons[i]!;
    let j = i;
    for (; j > 0 && reasonOrder(reasons[j - 1]!, r) > 0; j--) reasons[j] = reasons[j - 1]!;
    reasons[j] = r;
  }
}

export function combine(input: CombineInput): Combined {
  // Hot path: most events have nothing to say.
  if (input.findings.length === 0 && input.identity.findings.length === 0 && input.policy.reasons.length === 0 && !input.model && input.policy.verdict === null && input.policy.shadowVerdict === null) {
    return { score: 0, reasons: [], verdict: 'allow', anomalyVerdict: 'allow' };
  }
  const reasons: Reason[] = [];
  // Indexed loops on this path: the identity findings and policy reasons are usually shared frozen
  // empty arrays, and `for…of` over them allocates an iterator on every event.
  const identityFindings = input.identity.findings;
  // A clarity finding pages once (the event that opened it); later events of the same identity
  // carry it with no weight and no verdict of its own, until the resolver reopens it.
  for (let i = 0; i < identityFindings.length; i++) {
    const f = identityFindings[i]!;
    reasons.push({ code: f.code, detail: f.opened ? f.detail : `${f.detail} (already reported)`, weight: f.opened ? f.weight : 0 });
  }
  for (let i = 0; i < input.policy.reasons.length; i++) reasons.push(input.policy.reasons[i]!);
  const factor = input.learning ? input.learningWeight : 1;
  // A widened family may alert on its own but never block: a block needs a second family, a
  // signal, a technique or a policy.
  const baselineFrom = reasons.length;
  capFamilies(input.findings, input.familyCap, factor, input.suppressed, Math.max(input.familyCap, input.thresholds.blockAt - 1), reasons);
  if (input.learning && input.findings.length > 0) reasons.push({ code: 'LEARNING', detail: input.learningDetail ?? `findings weigh ×${input.learningWeight} while the identity is learning`, weight: 0 });
  if (input.suppressed.size > 0 && input.findings.some((f) => input.suppressed.has(f.code))) reasons.push({ code: 'OPERATOR_FEEDBACK', detail: 'an operator marked similar findings benign; they weigh a quarter', weight: 0 });
  if (input.model && input.model.anomaly > 0) {
    const w = Math.round(input.modelWeight * Math.min(1, input.model.anomaly) * 10) / 10;
    if (w >= 1) reasons.push({ code: 'MODEL_ANOMALY', detail: input.model.detail ?? `model anomaly ${input.model.anomaly.toFixed(2)}`, weight: w });
  }

  let total = 0;
  for (let i = 0; i < reasons.length; i++) total += reasons[i]!.weight;
  let score = Math.min(100, Math.round(total));
  // A block needs corroboration: points from more than one independent source of evidence.
  if (score >= input.thresholds.blockAt && corroboration(input, reasons, baselineFrom, total) < MIN_CORROBORATION) score = input.thresholds.blockAt - 1;
  const anomalyVerdict = verdictForScore(score, input.thresholds);
  // An exception lets an action through policy; anomaly scoring may still alert, never block.
  const anomaly: Verdict = input.policy.excepted && anomalyVerdict === 'block' ? 'alert' : anomalyVerdict;
  let identityVerdict: Verdict = 'allow';
  for (let i = 0; i < identityFindings.length; i++) if (identityFindings[i]!.opened) identityVerdict = strongest(identityVerdict, identityFindings[i]!.verdict);
  const verdict = strongest(anomaly, input.policy.verdict, identityVerdict);
  if (input.policy.verdict === 'block') score = Math.max(score, input.thresholds.blockAt);

  sortReasons(reasons);
  const wouldBeRaw = strongest(verdict, input.policy.shadowVerdict);
  if (input.mode === 'shadow') {
    return verdict === 'allow' && wouldBeRaw === 'allow'
      ? { score, reasons, verdict: 'allow', anomalyVerdict }
      : { score, reasons, verdict: 'allow', wouldBe: wouldBeRaw, anomalyVerdict };
  }
  return wouldBeRaw !== verdict ? { score, reasons, verdict, wouldBe: wouldBeRaw, anomalyVerdict } : { score, reasons, verdict, anomalyVerdict };
}
