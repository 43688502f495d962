/**
 * `warden simulate`: a labeled fleet with routine work, benign drift and attack episodes. Pure
 * and seeded: the same options always give the same events, labels and inventory.
 */
import type { WardenEvent } from '../events/event.js';
import { Rng } from './rng.js';
import type { SimIdentity } from './fleet.js';
import { KINDS, homeSource, makeIdentity, routineRun } from './fleet.js';
import type { AttackKind, DraftEvent, DriftKind } from './episodes.js';
import { ATTACK_KINDS, attackEvents, eventBody } from './episodes.js';

export interface SimulateOptions {
  seed: number;
  days: number;
  fleet: number;
  /** First simulated day (UTC midnight, a Monday by default). */
  start?: string;
}

/**
 * One label per event. `kind` is what an attack achieves (the classic scenario's `AttackKind`s,
 * and the varied scenario's kinds), `variant` how (varied scenario only); `drift` names the
 * benign change a benign event comes from.
 */
export interface EventLabel {
  eventId: string;
  identity: string;
  label: 'benign' | 'attack';
  episode?: string;
  kind?: AttackKind | (string & {});
  variant?: string;
  drift?: DriftKind | (string & {});
}

export interface Episode {
  episode: string;
  kind: AttackKind | (string & {});
  variant?: string;
  identity: string;
  start: string;
  events: number;
}

export interface Simulation {
  events: WardenEvent[];
  labels: EventLabel[];
  episodes: Episode[];
  identities: SimIdentity[];
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const RARE_READS = ['s3:GetBucketLocation', 'ec2:DescribeRegions', 'sts:GetAccessKeyInfo', 'iam:ListAccountAliases', 'cloudtrail:LookupEvents'];

interface Drift {
  kind: DriftKind;
  day: number;
}

function planDrift(idn: SimIdentity, rng: Rng, days: number): Drift | null {
  if (!rng.chance(0.5)) return null;
  const options: DriftKind[] = ['new-api-call'];
  if (!idn.home.hosted) options.push('ip-migration');
  if (idn.kind === 'ci-deployer' || idn.kind === 'chatops-bot' || idn.kind === 'terraform-runner') options.push('new-deploy-target');
  if (idn.kind === 'etl-job' || idn.kind === 'backup-bot') options.push('schedule-shift');
  return { kind: rng.pick(options), day: rng.int(4, Math.max(4, days - 2)) };
}

function applyDrift(idn: SimIdentity, drift: Drift, rng: Rng): void {
  const s = idn.subject;
  switch (drift.kind) {
    case 'new-api-call': {
      const action = rng.pick(['sqs:SendMessage', 'ecs:TagResource', 'ssm:GetParameter', 'logs:PutLogEvents']);
      idn.extraSteps.push({ action, resource: `arn:aws:${action.split(':')[0] ?? ''}:::${s}-app` });
      break;
    }
    case 'ip-migration':
      idn.home.nets = [`10.${rng.int(1, 250)}.${rng.int(0, 255)}`];
      break;
    case 'new-deploy-target':
      idn.extraSteps.push({ action: 'ecs:UpdateService', resource: `arn:aws:ecs:::service/canary/${s}` });
      idn.extraSteps.push({ action: 'ecs:DescribeServices', resource: `arn:aws:ecs:::service/canary/${s}`, readOnly: true });
      break;
    case 'schedule-shift':
      idn.hours = idn.hours.map((h) => (h + 3) % 24);
      break;
    case 'rare-read':
      break;
  }
}

function routineDay(idn: SimIdentity, day0: number, rng: Rng, drift: DriftKind | undefined, out: DraftEvent[]): void {
  const weekday = (new Date(day0).getUTCDay() + 6) % 7;
  if (weekday >= 5 && !idn.weekends) return;
  const starts: number[] = [];
  if (idn.kind === 'monitor') {
    for (let q = 0; q < 96; q++) starts.push(day0 + q * 15 * 60_000 + rng.int(0, 20_000));
  } else {
    for (let r = 0; r < idn.runsPerDay; r++) starts.push(day0 + rng.pick(idn.hours) * HOUR + rng.int(0, 59) * 60_000);
  }
  for (const start of starts) {
    const source = homeSource(idn, rng);
    let t = start;
    for (const step of routineRun(idn, rng)) {
      const fails = rng.chance(idn.kind === 'monitor' ? 0.02 : 0.01);
      const e: DraftEvent = { t, body: eventBody(idn, step, source, fails ? 'failure' : 'success') };
      if (drift) e.drift = drift;
      out.push(e);
      t += rng.int(1_000, 15_000);
    }
  }
  if (rng.chance(0.15)) {
    const action = rng.pick(RARE_READS);
    out.push({ t: day0 + rng.pick(idn.hours) * HOUR + rng.int(0, 3_500_000), body: eventBody(idn, { action, resource: '*', readOnly: true }, homeSource(idn, rng)), drift: 'rare-read' });
  }
}

function attackStart(kind: AttackKind, idn: SimIdentity, day0: number, rng: Rng): number {
  if (kind === 'off-hours') {
    const quiet: number[] = [];
    for (let h = 0; h < 24; h++) if (idn.hours.every((x) => Math.min(Math.abs(x - h), 24 - Math.abs(x - h)) > 2)) quiet.push(h);
    return day0 + rng.pick(quiet.length > 0 ? quiet : [3]) * HOUR + rng.int(0, 50) * 60_000;
  }
  return day0 + rng.pick(idn.hours) * HOUR + rng.int(0, 50) * 60_000;
}

export function simulate(options: SimulateOptions): Simulation {
  const rng = new Rng(options.seed);
  const start = Date.parse(options.start ?? '2026-11-02T00:00:00Z');
  const identities = Array.from({ length: options.fleet }, (_, i) => makeIdentity(KINDS[i % KINDS.length] ?? 'monitor', i + 1, rng));
  const drifts = new Map<string, Drift>();
  for (const idn of identities) {
    const d = planDrift(idn, rng, options.days);
    if (d) drifts.set(idn.id, d);
  }
  const episodeCount = Math.max(ATTACK_KINDS.length, Math.round(options.fleet * 0.6));
  const attacks: Array<{ kind: AttackKind; idn: SimIdentity; day: number; episode: string }> = [];
  const order = identities.map((idn) => ({ idn, r: rng.next() })).sort((a, b) => a.r - b.r).map((x) => x.idn);
  for (let i = 0; i < episodeCount; i++) {
    const kind = ATTACK_KINDS[i % ATTACK_KINDS.length] ?? 'stolen-credential';
    // Off-hours use needs an identity with quiet hours; monitors run around the clock.
    const candidates = order.filter((idn) => kind !== 'off-hours' || idn.kind !== 'monitor');
    const idn = candidates[i % candidates.length] ?? order[0]!;
    attacks.push({ kind, idn, day: rng.int(5, Math.max(5, options.days - 1)), episode: `ep-${String(i + 1).padStart(3, '0')}` });
  }

  const drafts: DraftEvent[] = [];
  for (let d = 0; d < options.days; d++) {
    const day0 = start + d * DAY;
    for (const idn of identities) {
      const drift = drifts.get(idn.id);
      if (drift && drift.day === d) applyDrift(idn, drift, rng);
      routineDay(idn, day0, rng, drift && d >= drift.day ? drift.kind : undefined, drafts);
    }
    for (const a of attacks) if (a.day === d) drafts.push(...attackEvents(a.kind, a.idn, attackStart(a.kind, a.idn, day0, rng), rng, a.episode));
  }

  const indexed = drafts.map((e, i) => ({ e, i })).sort((a, b) => a.e.t - b.e.t || a.i - b.i);
  const events: WardenEvent[] = [];
  const labels: EventLabel[] = [];
  const episodes = new Map<string, Episode>();
  indexed.forEach(({ e }, n) => {
    const id = `sim-${options.seed}-${String(n).padStart(8, '0')}`;
    events.push({ id, time: new Date(e.t).toISOString(), ...e.body });
    const label: EventLabel = { eventId: id, identity: e.body.identity.id, label: e.episode ? 'attack' : 'benign' };
    if (e.episode && e.kind) {
      label.episode = e.episode;
      label.kind = e.kind;
      const ep = episodes.get(e.episode);
      if (ep) ep.events += 1;
      else episodes.set(e.episode, { episode: e.episode, kind: e.kind, identity: e.body.identity.id, start: new Date(e.t).toISOString(), events: 1 });
    }
    if (e.drift) label.drift = e.drift;
    labels.push(label);
  });
  return { events, labels, episodes: [...episodes.values()], identities };
}
