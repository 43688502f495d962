/**
 * The `varied` scenario: a randomised fleet (AWS, Kubernetes, GitHub identities; 24/7, business
 * hours in several time zones, nightly, hourly), benign drift that looks alarming, and attack
 * variants drawn with random parameters against randomly chosen identities. Pure and seeded.
 */
import type { WardenEvent } from '../../events/event.js';
import { Rng } from '../rng.js';
import type { EventLabel, Episode } from '../generate.js';
import type { AttackContext, AttackVariant } from './attacks.js';
import { ATTACK_VARIANTS } from './attacks.js';
import type { DriftContext, DriftVariant } from './drift.js';
import { DRIFT_VARIANTS, LASTING_DRIFTS } from './drift.js';
import type { Archetype, VariedIdentity } from './fleet.js';
import { makeVariedFleet, makeVariedIdentity, quietHours, sessionKey } from './fleet.js';
import type { VariedDraft } from './routine.js';
import { eventBody, homeSource, routineRun } from './routine.js';

export interface VariedOptions {
  seed: number;
  days: number;
  fleet: number;
  start?: string;
  /** Learning period of the detectors in days: ordinary attacks start after it. @defaultValue 3 */
  learningDays?: number;
}

export interface VariedSimulation {
  events: WardenEvent[];
  labels: EventLabel[];
  episodes: Episode[];
  identities: VariedIdentity[];
  /** One per event, same order: what the CloudTrail writer needs beyond the event. */
  drafts: VariedDraft[];
  account: string;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;
const RARE_READS = ['s3:GetBucketLocation', 'ec2:DescribeRegions', 'sts:GetAccessKeyInfo', 'iam:ListAccountAliases', 'cloudtrail:LookupEvents'];

function hex(n: number, width: number): string {
  return (n >>> 0).toString(16).padStart(width, '0').slice(-width);
}

/** A UUID-shaped, deterministic event id (CloudTrail eventIDs are UUIDs); unique per seed and index. */
export function variedEventId(seed: number, n: number): string {
  return `${hex(seed, 8)}-${hex(Math.imul(n, 0x9e37) >>> 16, 4)}-4${hex(n >>> 24, 3)}-8${hex((n >>> 12) & 0xfff, 3)}-${hex(n & 0xfff, 3)}${hex(Math.imul(n + 1, 0x85ebca6b), 9)}`;
}

function sessionNameFor(idn: VariedIdentity, rng: Rng): string | undefined {
  if (idn.principal !== 'role') return undefined;
  return idn.archetype === 'ci-deployer' ? `GitHubActions-${rng.int(1_000_000, 9_999_999)}` : `botocore-session-${rng.int(1_000_000_000, 1_999_999_999)}`;
}

function routineDay(idn: VariedIdentity, day0: number, rng: Rng, out: VariedDraft[]): void {
  const weekday = (new Date(day0).getUTCDay() + 6) % 7;
  if (weekday >= 5 && !idn.schedule.weekends) return;
  // An assumed-role session key lasts a few hours; a new one each day is close enough.
  if (idn.principal === 'role') idn.token = sessionKey(rng);
  const starts: number[] = [];
  const sc = idn.schedule;
  if (sc.type === 'always') {
    for (let t = day0 + rng.int(0, sc.everyMinutes) * MIN; t < day0 + DAY; t += sc.everyMinutes * MIN) starts.push(t + rng.int(0, 30_000));
  } else if (sc.type === 'hourly') {
    for (const h of sc.hours) starts.push(day0 + h * HOUR + rng.int(0, 5) * MIN);
  } else {
    for (let r = 0; r < sc.runsPerDay; r++) starts.push(day0 + rng.pick(sc.hours) * HOUR + rng.int(0, 59) * MIN);
  }
  const session = sessionNameFor(idn, rng);
  for (const start of starts) {
    const source = homeSource(idn, rng);
    let t = start;
    for (const step of routineRun(idn, rng)) {
      const s = rng.chance(0.01) ? { ...step, errorCode: idn.platform === 'aws' ? rng.pick(['ThrottlingException', 'InternalError', 'ServiceUnavailable']) : 'Conflict' } : step;
      const d: VariedDraft = { t, idn, step: s, source, tokenId: idn.token };
      if (session) d.sessionName = session;
      out.push(d);
      t += rng.int(500, 15_000);
    }
  }
  if (idn.platform === 'aws' && rng.chance(0.1)) {
    out.push({ t: day0 + rng.pick(sc.hours) * HOUR + rng.int(0, 59) * MIN, idn, step: { action: rng.pick(RARE_READS), readOnly: true }, source: homeSource(idn, rng), tokenId: idn.token, drift: 'rare-read' });
  }
}

function startOf(variant: AttackVariant, idn: VariedIdentity, day0: number, rng: Rng): number {
  const hours = variant.timing === 'quiet' ? quietHours(idn) : idn.schedule.hours;
  return day0 + rng.pick(hours.length > 0 ? hours : [3]) * HOUR + rng.int(0, 50) * MIN;
}

interface PlannedAttack {
  variant: AttackVariant;
  victim: VariedIdentity;
  day: number;
  episode: string;
}

interface PlannedDrift {
  variant: DriftVariant;
  idn: VariedIdentity;
  day: number;
}

export function simulateVaried(options: VariedOptions): VariedSimulation {
  const rng = new Rng(options.seed ^ 0x5eed);
  const days = options.days;
  const learning = options.learningDays ?? 3;
  const start = Date.parse(options.start ?? '2026-11-02T00:00:00Z');
  const account = String(rng.int(100_000_000_000, 999_999_999_999));
  const identities = makeVariedFleet(options.fleet, account, rng);
  let nextIndex = identities.length + 1;
  const makeIdentity = (archetype: Archetype, firstDay: number): VariedIdentity => makeVariedIdentity(archetype, nextIndex++, account, rng, firstDay);
  const original = [...identities];

  // Benign drift: about half the fleet, each change on a random day after the first few.
  const drifts: PlannedDrift[] = [];
  for (const idn of original) {
    if (!rng.chance(0.55)) continue;
    const options_ = DRIFT_VARIANTS.filter((d) => d.eligible(idn));
    if (options_.length === 0) continue;
    drifts.push({ variant: rng.pick(options_), idn, day: rng.int(learning + 1, Math.max(learning + 1, days - 2)) });
  }

  // Attacks: every variant that has an eligible victim once, then random variants up to ~0.8 per identity.
  const attacks: PlannedAttack[] = [];
  const attacked = new Map<string, number>();
  const total = Math.max(ATTACK_VARIANTS.length, Math.round(options.fleet * 0.8));
  for (let i = 0; i < total; i++) {
    const variant = i < ATTACK_VARIANTS.length ? ATTACK_VARIANTS[i]! : rng.pick(ATTACK_VARIANTS);
    let victims = original.filter((idn) => variant.eligible(idn));
    if (victims.length === 0) continue;
    const least = Math.min(...victims.map((v) => attacked.get(v.id) ?? 0));
    victims = victims.filter((v) => (attacked.get(v.id) ?? 0) === least);
    let victim = rng.pick(victims);
    let day = rng.int(learning + 1, Math.max(learning + 1, days - 2));
    if (variant.variant === 'new-identity-abused-early') {
      // A newcomer (or, sometimes, an original identity on its first days) attacked while still learning.
      if (rng.chance(0.7)) {
        const firstDay = rng.int(learning, Math.max(learning, days - learning - 1));
        victim = makeIdentity(rng.pick(['etl-job', 'data-api', 'ci-deployer', 'k8s-operator', 'report-job', 'github-bot'] as const), firstDay);
        identities.push(victim);
        day = firstDay + rng.int(0, Math.max(0, learning - 1));
      } else {
        day = rng.int(0, Math.max(0, learning - 1));
      }
    }
    attacked.set(victim.id, (attacked.get(victim.id) ?? 0) + 1);
    attacks.push({ variant, victim, day, episode: `ep-${String(attacks.length + 1).padStart(3, '0')}` });
  }

  const drafts: VariedDraft[] = [];
  const lasting = new Map<string, string>();
  for (let d = 0; d < days; d++) {
    const day0 = start + d * DAY;
    const spawned: VariedIdentity[] = [];
    const spawn = (idn: VariedIdentity): void => void spawned.push(idn);
    for (const p of drifts) {
      if (p.day !== d) continue;
      const ctx: DriftContext = { rng, fleet: identities, spawn, makeIdentity, day: d };
      for (const e of p.variant.apply(p.idn, day0, ctx)) drafts.push({ ...e, drift: e.drift ?? p.variant.drift });
      if (LASTING_DRIFTS.has(p.variant.drift)) lasting.set(p.idn.id, p.variant.drift);
      for (const n of spawned.splice(0)) {
        identities.push(n);
        lasting.set(n.id, 'new-identity');
      }
    }
    for (const idn of identities) {
      if (d < idn.firstDay || idn.schedule.runsPerDay + idn.schedule.everyMinutes === 0) continue;
      const before = drafts.length;
      routineDay(idn, day0, rng, drafts);
      const drift = lasting.get(idn.id);
      // A new identity's drift label covers its learning period; later days are plain routine.
      const labelled = drift && (drift !== 'new-identity' || d < idn.firstDay + learning);
      if (labelled) for (let i = before; i < drafts.length; i++) drafts[i]!.drift ??= drift;
    }
    for (const a of attacks) {
      if (a.day !== d) continue;
      const ctx: AttackContext = { rng, fleet: identities, spawn, makeIdentity, day: d };
      const events = a.variant.draw(a.victim, startOf(a.variant, a.victim, day0, rng), ctx);
      for (const e of events) drafts.push({ ...e, episode: a.episode, kind: a.variant.kind, variant: a.variant.variant });
      // A role created for the attack acts only in the episode: it has no routine of its own.
      for (const n of spawned.splice(0)) identities.push({ ...n, schedule: { ...n.schedule, runsPerDay: 0, everyMinutes: 0 } });
    }
  }
  return assemble(options.seed, drafts, identities, account);
}

function assemble(seed: number, drafts: VariedDraft[], identities: VariedIdentity[], account: string): VariedSimulation {
  const ordered = drafts.map((e, i) => ({ e, i })).sort((a, b) => a.e.t - b.e.t || a.i - b.i).map((x) => x.e);
  const events: WardenEvent[] = [];
  const labels: EventLabel[] = [];
  const episodes = new Map<string, Episode>();
  ordered.forEach((e, n) => {
    const id = variedEventId(seed, n);
    events.push({ id, time: new Date(e.t).toISOString(), ...eventBody(e) });
    const label: EventLabel = { eventId: id, identity: e.idn.id, label: e.episode ? 'attack' : 'benign' };
    if (e.episode && e.kind) {
      label.episode = e.episode;
      label.kind = e.kind;
      if (e.variant) label.variant = e.variant;
      const ep = episodes.get(e.episode);
      if (ep) ep.events += 1;
      else {
        const first: Episode = { episode: e.episode, kind: e.kind, identity: e.idn.id, start: new Date(e.t).toISOString(), events: 1 };
        if (e.variant) first.variant = e.variant;
        episodes.set(e.episode, first);
      }
    }
    if (e.drift) label.drift = e.drift;
    labels.push(label);
  });
  return { events, labels, episodes: [...episodes.values()], identities, drafts: ordered, account };
}
