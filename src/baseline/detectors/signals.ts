/**
 * Single-event signals: failure bursts, denied-then-success, rare transitions, concurrent token
 * use, first privileged action, unusual destructive action and enumeration.
 */
import type { WardenEvent } from '../../events/event.js';
import type { Finding } from '../finding.js';
import { finding } from '../finding.js';
import type { EventFeatures } from '../features.js';
import type { IdentityProfile } from '../profile.js';
import type { BaselineRules } from '../config.js';
import { liveEntry, newValueChance, novelty, surprise } from '../value-map.js';
import { sketchEstimate } from '../sketch.js';

export function detectFailures(p: IdentityProfile, f: EventFeatures, rules: BaselineRules, out: Finding[]): void {
  const w = rules.config.weights;
  if (f.failed) {
    let recent = 1;
    for (let i = 0; i < p.failures.length; i++) if (f.t - p.failures[i]! <= rules.windowMs) recent++;
    // Errors other than authorization failures (not found, conflicts, throttling: an IaC tool
    // retrying while a new role propagates) are ordinary in bursts of change: they count a third.
    // Probing permissions shows as denials.
    if (!f.denied) recent = Math.ceil(recent / 3);
    // An identity that fails a quarter of its calls anyway (a flaky monitor) is not bursting.
    if (recent >= rules.config.failureBurst && p.failRate < 0.25) {
      out.push(finding('FAILURE_BURST', `${recent} failed or denied calls in ${rules.config.burstWindowSeconds}s`, w.FAILURE_BURST, 'failures'));
    }
    return;
  }
  if (p.deniedRun >= 3 && f.t - p.deniedAt <= rules.windowMs) {
    out.push(finding('DENIED_THEN_SUCCESS', `succeeded after ${p.deniedRun} denied calls in a row`, w.DENIED_THEN_SUCCESS, 'failures'));
  }
}

export function transitionKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

export function detectRareSequence(p: IdentityProfile, f: EventFeatures, rules: BaselineRules, out: Finding[]): void {
  const action = f.values.action ?? '';
  const prev = p.prevAction;
  if (prev === null || prev === action) return;
  const from = liveEntry(p.maps.action, prev, f.t, rules);
  if (!from || from.n < rules.config.sequenceMinFrom) return;
  // A new action is already a finding of its own; rarity is about known actions in a new order.
  if (novelty(liveEntry(p.maps.action, action, f.t, rules), rules) > 0) return;
  if (sketchEstimate(p.transitions, transitionKey(prev, action)) > 0) return;
  out.push(finding('RARE_SEQUENCE', `${action} never followed ${prev} before`, rules.config.weights.RARE_SEQUENCE, 'what'));
}

/** Where a call ran from, for concurrency: the workload when the source names one, else the network. */
export function sourceKey(f: EventFeatures): string | null {
  const w = f.values.workload;
  if (w !== undefined) return `workload:${w}`;
  const net = f.values.net;
  return net !== undefined ? `net:${net}` : null;
}

/** `key === sourceKey(f)`, without building the event's key (the concurrency check runs per event). */
function isSourceOf(f: EventFeatures, key: string): boolean {
  const w = f.values.workload;
  if (w !== undefined) return key.length === 9 + w.length && key.startsWith('workload:') && key.endsWith(w);
  const net = f.values.net;
  return net !== undefined && key.length === 4 + net.length && key.startsWith('net:') && key.endsWith(net);
}

/**
 * One token used at once from two places: within `concurrentSeconds` of its previous use, either
 * from a different ASN or country (two sites), or back at the source before last after a use from
 * another workload or network (A, B, A: two holders taking turns), unless this token routinely
 * alternates (a pool of pods sharing one service-account token).
 */
export function detectConcurrentToken(p: IdentityProfile, event: WardenEvent, f: EventFeatures, rules: BaselineRules, out: Finding[]): void {
  const token = event.identity.tokenId;
  if (!token) return;
  const last = p.tokens[token];
  if (!last || f.t - last.at > rules.concurrentMs) return;
  const asn = f.values.asn ?? null;
  const country = f.values.country ?? null;
  const apart = (asn !== null && last.asn !== null && asn !== last.asn) || (country !== null && last.country !== null && country !== last.country);
  // Back at the source before last (A, B, A): most events are still where the token last was.
  const back = !apart && last.src != null && last.prev != null && !isSourceOf(f, last.src) && isSourceOf(f, last.prev);
  const src = back ? sourceKey(f)! : null;
  // Taking turns between places the identity always runs from is a pool of runners; between one
  // of them and a place it does not yet run from, two holders.
  const alternating = src !== null && (last.alt ?? 0) < ROUTINE_ALTERNATION && (!usualSource(p, src, f.t, rules) || !usualSource(p, last.src!, f.t, rules));
  if (!apart && !alternating) return;
  const seconds = Math.round((f.t - last.at) / 1000);
  out.push(finding(
    'CONCURRENT_TOKEN_USE',
    apart
      ? `token ${token} used from ${asn ?? country ?? '?'} ${seconds}s after use from ${last.asn ?? last.country ?? '?'}`
      : `token ${token} back at ${src} ${seconds}s after use from ${last.src}: two holders taking turns`,
    rules.config.weights.CONCURRENT_TOKEN_USE,
    'signal',
  ));
}

function usualSource(p: IdentityProfile, key: string, t: number, rules: BaselineRules): boolean {
  const [kind, value] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
  const map = kind === 'workload' ? p.maps.workload : p.maps.net;
  return novelty(liveEntry(map, value, t, rules), rules) === 0;
}

/** Share of a token's uses that alternate between sources above which alternation is its routine. */
const ROUTINE_ALTERNATION = 0.05;

export function detectPrivilegedAndDestructive(p: IdentityProfile, event: WardenEvent, f: EventFeatures, rules: BaselineRules, out: Finding[]): void {
  const w = rules.config.weights;
  const absorb = rules.config.absorbAfterSightings;
  if (event.privileged === true && p.privilegedLegit < absorb) {
    const weight = Math.round(w.FIRST_PRIVILEGED * (1 - p.privilegedLegit / absorb));
    // The first privileged calls are one view of what is new about the event: what family.
    out.push(finding('FIRST_PRIVILEGED', `privileged ${event.action}; ${p.privilegedLegit} earlier privileged calls`, weight, 'what'));
  }
  if (f.destructive) {
    const nov = novelty(liveEntry(p.maps.action, event.action, f.t, rules), rules);
    const weight = Math.round(w.DESTRUCTIVE_ACTION * nov * noveltySurprise(p, rules));
    // A destructive action that is new is one view of the action's novelty: it shares the what
    // family (nested with NEW_ACTION) rather than adding on top of it.
    if (weight >= 1) out.push(finding('DESTRUCTIVE_ACTION', `destructive ${event.action} is not part of this identity's routine`, weight, 'what'));
  }
}

/** True when the event brings an action, service or resource pattern the identity has no entry for. */
export function bringsNewValue(p: IdentityProfile, f: EventFeatures, rules: BaselineRules): boolean {
  // Named property loads (see detectNovelty): this runs for every read-only event, twice.
  const v = f.values;
  const m = p.maps;
  return (
    (v.action !== undefined && !liveEntry(m.action, v.action, f.t, rules)) ||
    (v.service !== undefined && !liveEntry(m.service, v.service, f.t, rules)) ||
    (v.resource !== undefined && !liveEntry(m.resource, v.resource, f.t, rules))
  );
}

/**
 * Signals that are about something new (a burst of new values, an unusual destructive action)
 * mean less for an identity that brings new things often: they are scaled like novelty, by the
 * surprise of a new action for this identity, but never above their configured weight.
 */
function noveltySurprise(p: IdentityProfile, rules: BaselineRules): number {
  return Math.min(1, surprise(newValueChance(p.maps.action), rules.config.maxSurprise));
}

/**
 * Enumeration is discovery: a burst of never-seen read calls (or calls whose source does not say
 * whether they read). A burst of new writes is change — a deployer adopting a new stack — and is
 * judged by the novelty detectors, with its sensitivity.
 */
export function countsForEnumeration(readOnly: boolean | undefined): boolean {
  return readOnly !== false;
}

export function detectEnumeration(p: IdentityProfile, f: EventFeatures, rules: BaselineRules, out: Finding[], readOnly: boolean | undefined): void {
  if (!countsForEnumeration(readOnly) || !bringsNewValue(p, f, rules)) return;
  let recent = 1;
  for (let i = 0; i < p.novel.length; i++) if (f.t - p.novel[i]! <= rules.windowMs) recent++;
  if (recent < rules.config.enumerationNew) return;
  const weight = Math.round(rules.config.weights.ENUMERATION * noveltySurprise(p, rules));
  if (weight < 1) return;
  out.push(finding('ENUMERATION', `${recent} new actions/services/resources in ${rules.config.burstWindowSeconds}s`, weight, 'signal'));
}
