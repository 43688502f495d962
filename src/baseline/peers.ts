/**
 * Peer baselines: what the identities of one group (same inventory class, else same owner, else
 * same identity type in the same account or project) normally do, kept as one profile per group.
 * Until an identity's own baseline is mature, its events are also judged against its peers,
 * blended by maturity, so the learning period is not silent. An identity created by another one
 * shortly before its first action (a role an attacker just made) is judged by its peers alone,
 * without the learning discount.
 *
 * A peer profile is an ordinary `IdentityProfile` under a reserved id (`PEER_PREFIX` + group), so
 * every store keeps it like any other; only its value maps and hour histogram are learned.
 */
import type { WardenEvent } from '../events/event.js';
import type { Finding } from './finding.js';
import type { EventFeatures } from './features.js';
import type { Dimension, IdentityProfile, ValueMap } from './profile.js';
import { markTouched, TOUCHED_HOURS, touchedMap } from './profile.js';
import type { BaselineRules } from './config.js';
import { inLearning } from './config.js';
import { recordValue } from './value-map.js';
import { countHour } from './stats.js';
import { CODES, detectNovelty } from './detectors/novelty.js';
import { detectUnusualHour } from './detectors/activity.js';
import { memoised } from '../memo.js';

/** Ids of peer profiles; `~` cannot start a cloud, Kubernetes, GitHub or database identity id. */
export const PEER_PREFIX = '~peers/';

/**
 * Ids of creation records: which identity created `<id>` and when, kept apart from `<id>`'s own
 * profile. The creating event is usually read by another instance than the one that owns the new
 * identity's partition; writing the new identity's profile from there could overwrite what its
 * owner learned in the meantime, so the creator writes this record and the owner copies it into
 * the profile when it first meets the identity.
 */
export const CREATED_PREFIX = '~created/';

/** A created identity whose first action comes within this time of its creation gets the strict view. */
export const CREATED_SHORTLY_MS = 24 * 3_600_000;

export interface PeerContext {
  class: string | null;
  owner: string | null;
}

/** The peer group of an event's identity, or null when nothing groups it. */
export function peerGroupOf(identity: PeerContext, event: WardenEvent): string | null {
  if (identity.class) return classGroupOf(identity.class);
  // A team's pipelines and its people do different things: the owner's group is per identity type.
  if (identity.owner) return `${PEER_PREFIX}owner/${identity.owner}/${event.identity.type ?? 'unknown'}`;
  const account = event.attributes?.account ?? event.attributes?.project;
  if (typeof account === 'string' && account !== '') return `${PEER_PREFIX}${event.identity.type ?? 'unknown'}/${account}`;
  return null;
}

/** Class groups, built once per class: every event of a classed identity asks for its group. */
const classGroupOf = memoised((cls: string): string => `${PEER_PREFIX}class/${cls}`, 10_000);

export function isPeerProfile(id: string): boolean {
  return id.startsWith(PEER_PREFIX);
}

/** How far the identity's own baseline is from mature, 0..1 (1 = out of the learning period). */
export function maturity(p: IdentityProfile, t: number, rules: BaselineRules): number {
  if (!inLearning(p.events, p.firstSeen, t, rules)) return 1;
  const byEvents = rules.config.learningEvents > 0 ? p.events / rules.config.learningEvents : 1;
  const byTime = p.events === 0 ? 0 : (t - p.firstSeen) / rules.learningMs;
  return Math.max(0, Math.min(1, byEvents, byTime));
}

/** Created by another identity shortly before its first action (see `createdIdentityOf`). */
export function createdShortlyBefore(p: IdentityProfile): boolean {
  return p.createdBy !== undefined && p.createdAt !== undefined && (p.events === 0 || p.firstSeen - p.createdAt <= CREATED_SHORTLY_MS);
}

/** Weight of the peers' where and when findings (see assessAgainstPeers). */
export const PEER_PLACE_SHARE = 0.5;

/** Members a group needs before it is a group: with fewer, "peers" are one other identity's habits. */
export const MIN_PEERS = 3;
const MAX_MEMBERS_KEPT = 16;

/**
 * A peer profile says something once the group itself is out of its learning period and has at
 * least `MIN_PEERS` members other than the identity being judged.
 */
export function peersMature(peer: IdentityProfile | null, t: number, rules: BaselineRules, self: string): peer is IdentityProfile {
  if (peer === null || inLearning(peer.events, peer.firstSeen, t, rules)) return false;
  const members = peer.members ?? [];
  return members.filter((m) => m !== self).length >= MIN_PEERS;
}

/** The dimension behind each novelty code (the inverse of detectNovelty's table). */
const DIM_OF_CODE: ReadonlyMap<string, Dimension> = new Map((Object.entries(CODES) as Array<[Dimension, { code: string }]>).map(([dim, spec]) => [spec.code, dim]));

/**
 * The event judged against its peers: novelty of what and where, and the hour. Only the
 * identity's first uses count: a value (or hour) it has already shown itself is its own habit in
 * the making, judged by its own baseline, and is not reported again from the peers on every call.
 */
export function assessAgainstPeers(peer: IdentityProfile, own: IdentityProfile, f: EventFeatures, rules: BaselineRules, group: string): Finding[] {
  const all: Finding[] = [];
  detectNovelty(peer, f, rules, all);
  detectUnusualHour(peer, f, rules, all);
  const out = all.filter((x) => {
    if (x.code === 'UNUSUAL_HOUR') return (own.hours[f.hourOfWeek] ?? 0) === 0;
    const dim = DIM_OF_CODE.get(x.code);
    const v = dim === undefined ? undefined : f.values[dim];
    return v === undefined || own.maps[dim!].entries[v] === undefined;
  });
  const name = group.slice(PEER_PREFIX.length);
  // A group's vocabulary is the union of different members' habits: how rarely the group as a
  // whole shows something new says little about one new member, so no surprise above 1.
  for (const x of out) {
    if ((x.scale ?? 1) > 1) {
      x.weight = Math.round(x.weight / (x.scale ?? 1));
      x.scale = 1;
    }
    // Members of a group do the same kind of work but run in different places and on their own
    // schedules: the peers' where and when weigh half, their what in full.
    if (x.family !== 'what') x.weight = Math.round(x.weight * PEER_PLACE_SHARE);
  }
  for (const x of out) x.detail = `peers (${name}): ${x.detail.replace(' for this identity', '').replace("this identity's", "the peers'")}`;
  return out;
}

/**
 * Own findings weighed by `own`, peer findings by `peers`, one finding per code (the weights add;
 * the detail of the larger part is kept).
 */
export function blendFindings(own: readonly Finding[], ownWeight: number, peer: readonly Finding[], peerWeight: number): Finding[] {
  const byCode = new Map<string, { f: Finding; part: number }>();
  for (const f of own) blendInto(byCode, f, ownWeight);
  for (const f of peer) blendInto(byCode, f, peerWeight);
  return [...byCode.values()].map((x) => ({ ...x.f, weight: Math.round(x.f.weight) }));
}

function blendInto(byCode: Map<string, { f: Finding; part: number }>, f: Finding, w: number): void {
  const weight = f.weight * w;
  if (weight <= 0) return;
  const prev = byCode.get(f.code);
  if (!prev) {
    byCode.set(f.code, { f: { ...f, weight }, part: weight });
    return;
  }
  const keep = weight > prev.part ? { ...f } : prev.f;
  keep.weight = prev.f.weight + weight;
  keep.scale = Math.max(prev.f.scale ?? 1, f.scale ?? 1);
  byCode.set(f.code, { f: keep, part: Math.max(prev.part, weight) });
}

/** Records a member's sighting in the group's map of dimension number `d` (`DIMENSIONS` order); the section it touches. */
function peerValue(map: ValueMap, value: string, d: number, f: EventFeatures, rules: BaselineRules, cap: number): number {
  recordValue(map, value, f.t, f.day, true, rules, cap, 0.02);
  return touchedMap(d);
}

/** Folds a legitimate event of a member into its peer profile: value maps and hours only. */
export function learnPeer(peer: IdentityProfile, member: string, f: EventFeatures, rules: BaselineRules): void {
  const c = rules.config;
  const members = (peer.members ??= []);
  if (members.length < MAX_MEMBERS_KEPT && !members.includes(member)) members.push(member);
  if (peer.events === 0) {
    peer.firstSeen = f.t;
    peer.hoursDecayedAt = f.t;
  }
  const t = Math.max(f.t, peer.lastSeen);
  // A group sees more distinct values than one identity: four times the cap.
  const cap = c.maxEntriesPerMap * 4;
  // Every dimension but single IPs, with named property loads (see learnEvent), each map recorded
  // marked as touched (with the hours): the store then encodes only those of the group's large maps.
  const v = f.values;
  const m = peer.maps;
  let touched = TOUCHED_HOURS;
  if (v.action !== undefined) touched |= peerValue(m.action, v.action, 0, f, rules, cap);
  if (v.service !== undefined) touched |= peerValue(m.service, v.service, 1, f, rules, cap);
  if (v.resource !== undefined) touched |= peerValue(m.resource, v.resource, 2, f, rules, cap);
  if (v.net !== undefined) touched |= peerValue(m.net, v.net, 4, f, rules, cap);
  if (v.asn !== undefined) touched |= peerValue(m.asn, v.asn, 5, f, rules, cap);
  if (v.country !== undefined) touched |= peerValue(m.country, v.country, 6, f, rules, cap);
  if (v.region !== undefined) touched |= peerValue(m.region, v.region, 7, f, rules, cap);
  if (v.ua !== undefined) touched |= peerValue(m.ua, v.ua, 8, f, rules, cap);
  if (v.workload !== undefined) touched |= peerValue(m.workload, v.workload, 9, f, rules, cap);
  markTouched(peer, touched);
  countHour(peer, f.hourOfWeek, t, c.hourHalfLifeDays);
  peer.events += 1;
  peer.lastSeen = t;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const objAt = (v: unknown, key: string): Record<string, unknown> | undefined => {
  const x = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
};

/** Actions that create an identity, besides the `…CreateServiceAccount` of each cloud. */
const CREATES_IDENTITY: ReadonlySet<string> = new Set(['iam:CreateRole', 'iam:CreateUser', 'k8s:create:serviceaccounts']);

/**
 * The id of the identity an event created, when it created one and succeeded: an IAM role or user
 * (CloudTrail), a Kubernetes service account, a GCP service account. Null otherwise.
 */
export function createdIdentityOf(event: WardenEvent): string | null {
  if (event.outcome !== undefined && event.outcome !== 'success') return null;
  if (!CREATES_IDENTITY.has(event.action) && !event.action.endsWith('CreateServiceAccount')) return null;
  const a = event.attributes;
  const request = objAt(a, 'request');
  const response = objAt(a, 'response');
  switch (event.action) {
    case 'iam:CreateRole':
    case 'iam:CreateUser': {
      const kind = event.action === 'iam:CreateRole' ? 'role' : 'user';
      const arn = str(objAt(response, kind)?.arn);
      if (arn) return arn;
      const name = str(request?.[kind === 'role' ? 'roleName' : 'userName']);
      const account = str(a?.account);
      if (!name || !account) return null;
      const path = str(request?.path) ?? '/';
      return `arn:aws:iam::${account}:${kind}${path}${name}`;
    }
    case 'k8s:create:serviceaccounts': {
      const ref = objAt(a, 'objectRef');
      const name = str(ref?.name) ?? str(objAt(request, 'metadata')?.name);
      const ns = str(ref?.namespace) ?? str(objAt(request, 'metadata')?.namespace);
      return name && ns ? `system:serviceaccount:${ns}:${name}` : null;
    }
    default: {
      const email = str(response?.email) ?? str(objAt(request, 'serviceAccount')?.email);
      if (email) return email;
      const id = str(request?.accountId);
      const project = str(a?.project);
      return id && project ? `${id}@${project}.iam.gserviceaccount.com` : null;
    }
  }
}
