/**
 * Renders a profile as text a person can check: what Warden believes is normal for an identity,
 * in units and windows a reader need not look up (calls per 5-minute window, bytes per call,
 * hour of the week in UTC), whether it is still learning and how far along, which values are new
 * lately or not yet absorbed as normal. `deriveProfile` gives the same facts as data for `--json`.
 * Pure: the reference time is the profile's latest event, never the wall clock.
 */
import type { Dimension, IdentityProfile, ValueStats } from './profile.js';
import { DIMENSIONS } from './profile.js';
import { hourLabel } from './detectors/activity.js';
import { compileBaselineRules, inLearning } from './config.js';
import type { BaselineConfig } from './config.js';
import { isPeerProfile, maturity } from './peers.js';
import { novelty } from './value-map.js';

const LABELS: Record<Dimension, string> = {
  action: 'actions', service: 'services', resource: 'resource patterns', ip: 'source IPs', net: 'source networks',
  asn: 'ASNs', country: 'countries', region: 'regions', ua: 'user-agent families', workload: 'workloads',
};

const DAY_MS = 86_400_000;

export interface DescribeOptions {
  /** Values listed per dimension besides the ones marked new or not yet normal. @defaultValue 8 */
  top?: number;
  /** A value first seen within this many days of the profile's latest event is marked new. @defaultValue 2 */
  recentDays?: number;
}

export interface DerivedValue {
  value: string;
  /** All sightings, and those from an ordinary context (allowed, low risk). */
  seen: number;
  ordinary: number;
  days: number;
  firstSeen: string;
  lastSeen: string;
  /** First seen within `recentDays` of the profile's latest event. */
  recent: boolean;
  /** Absorbed as normal: `absorbAfterSightings` ordinary sightings or `absorbAfterDays` distinct days. */
  normal: boolean;
}

export interface DerivedProfile {
  kind: 'identity' | 'peer group';
  asOf: string;
  learning: { inLearning: boolean; events: number; eventsNeeded: number; days: number; daysNeeded: number; maturity: number; findingWeight: number };
  values: Partial<Record<Dimension, { distinct: number; churn: number; values: DerivedValue[] }>>;
  rate: { windowSeconds: number; meanCalls: number; sdCalls: number; activeWindows: number } | null;
  volume: Array<{ action: string; bytesPerCall: number | null; rowsPerCall: number | null; calls: number }>;
  busiestHours: Array<{ hourOfWeekUtc: number; label: string; share: number }>;
  failureShare: number;
  privilegedFromOrdinaryContext: number;
  members?: string[];
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** 1536 → "1.5 KiB". */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** 300 → "5-minute", 30 → "30-second", 3600 → "1-hour". */
export function windowLabel(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}-hour`;
  if (seconds % 60 === 0) return `${seconds / 60}-minute`;
  return `${seconds}-second`;
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function deriveProfile(p: IdentityProfile, config: BaselineConfig, options: DescribeOptions = {}): DerivedProfile {
  const rules = compileBaselineRules(config);
  const t = p.lastSeen;
  const recentMs = (options.recentDays ?? 2) * DAY_MS;
  const learning = inLearning(p.events, p.firstSeen, t, rules);
  const values: DerivedProfile['values'] = {};
  for (const dim of DIMENSIONS) {
    const map = p.maps[dim];
    const entries = Object.entries(map.entries) as Array<[string, ValueStats]>;
    if (entries.length === 0) continue;
    entries.sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1));
    values[dim] = {
      distinct: entries.length,
      churn: round(map.newRate, 3),
      values: entries.map(([value, e]) => ({
        value,
        seen: e.n,
        ordinary: e.legit,
        days: e.days,
        firstSeen: new Date(e.first).toISOString(),
        lastSeen: new Date(e.last).toISOString(),
        recent: t - e.first < recentMs,
        normal: novelty(e, rules) === 0,
      })),
    };
  }
  const total = p.hours.reduce((a, b) => a + b, 0);
  const busiestHours = total > 0
    ? p.hours.map((w, h) => ({ hourOfWeekUtc: h, label: hourLabel(h), share: round(w / total, 3) })).filter((x) => x.share >= 0.02).sort((a, b) => b.share - a.share).slice(0, 6)
    : [];
  const volume = Object.entries(p.volume)
    .filter(([, v]) => v.bytes.n > 0 || v.rows.n > 0)
    .map(([action, v]) => ({ action, bytesPerCall: v.bytes.n > 0 ? Math.round(Math.expm1(v.bytes.mean)) : null, rowsPerCall: v.rows.n > 0 ? Math.round(Math.expm1(v.rows.mean)) : null, calls: Math.max(v.bytes.n, v.rows.n) }))
    .sort((a, b) => b.calls - a.calls || (a.action < b.action ? -1 : 1));
  const derived: DerivedProfile = {
    kind: isPeerProfile(p.identity) ? 'peer group' : 'identity',
    asOf: new Date(t).toISOString(),
    learning: {
      inLearning: learning,
      events: p.events,
      eventsNeeded: config.learningEvents,
      days: round((t - p.firstSeen) / DAY_MS),
      daysNeeded: config.learningDays,
      maturity: round(maturity(p, t, rules), 2),
      findingWeight: learning ? config.learningWeight : 1,
    },
    values,
    rate: p.rate.n > 0 ? { windowSeconds: config.rateWindowSeconds, meanCalls: round(p.rate.mean), sdCalls: round(Math.sqrt(p.rate.var)), activeWindows: p.rate.n } : null,
    volume,
    busiestHours,
    failureShare: round(p.failRate, 4),
    privilegedFromOrdinaryContext: p.privilegedLegit,
  };
  if (p.members) derived.members = [...p.members];
  return derived;
}

/** The note after a normal value: new lately, or normal only because it spanned enough days. */
function normalMark(v: DerivedValue): string {
  const notes: string[] = [];
  if (v.recent) notes.push(`new since ${v.firstSeen.slice(0, 10)}`);
  if (v.ordinary === 0) notes.push(`normal by days only: all ${v.seen} sightings were flagged`);
  return notes.length > 0 ? ` (${notes.join('; ')})` : '';
}

function pendingLine(v: DerivedValue, config: BaselineConfig): string {
  const flagged = v.seen - v.ordinary;
  return `${v.value}: seen ${v.ordinary}× from an ordinary context${flagged > 0 ? `, ${flagged}× flagged` : ''}, on ${v.days} day${v.days === 1 ? '' : 's'} since ${v.firstSeen.slice(0, 10)}; needs ${config.absorbAfterSightings} or ${config.absorbAfterDays} distinct days`;
}

export function describeProfile(p: IdentityProfile, config: BaselineConfig, options: DescribeOptions = {}): string[] {
  const top = options.top ?? 8;
  const d = deriveProfile(p, config, options);
  const lines: string[] = [];
  const what = d.kind === 'peer group' ? `peer group ${p.identity} (a profile learned from its members' events${d.members?.length ? `; first members: ${d.members.join(', ')}` : ''})` : `identity ${p.identity}`;
  lines.push(`${what}: ${p.events} events from ${day(p.firstSeen)} to ${day(p.lastSeen)} (UTC); as of its latest event, ${d.asOf.slice(0, 16).replace('T', ' ')} UTC`);
  const l = d.learning;
  lines.push(
    l.inLearning
      ? `  learning: yes, ${Math.round(l.maturity * 100)}% mature: ${l.events} of ${l.eventsNeeded} events, ${l.days} of ${l.daysNeeded} days (both needed); its findings weigh ×${l.findingWeight} until then${d.kind === 'identity' ? ', and it is judged against its peer group where one is mature' : ''}`
      : `  learning: done (${l.events} events ≥ ${l.eventsNeeded}, ${l.days} days ≥ ${l.daysNeeded}); findings weigh in full`,
  );
  const legend = [
    `  values: ×N = sightings; "new since" = first seen in the last ${options.recentDays ?? 2} days;`,
    `  "not yet normal" = still raises novelty: normal after ${config.absorbAfterSightings} sightings from an ordinary context (allowed, low risk) or sightings on ${config.absorbAfterDays} distinct days; values unseen for ${config.forgetAfterDays} days are forgotten`,
  ];
  lines.push(...legend);
  let hashShown = false;
  for (const dim of DIMENSIONS) {
    const entry = d.values[dim];
    if (!entry) continue;
    const normal = entry.values.filter((v) => v.normal);
    const pending = entry.values.filter((v) => !v.normal);
    const shown = normal.slice(0, top);
    const churn = entry.churn > 0.2 ? `, churns: ${Math.round(entry.churn * 100)}% of recent values were new` : '';
    const more = normal.length - shown.length;
    const recentHidden = normal.slice(top).filter((v) => v.recent).length;
    lines.push(`  ${LABELS[dim]} (${entry.distinct} distinct${churn}): ${shown.length > 0 ? shown.map((v) => `${v.value} ×${v.seen}${normalMark(v)}`).join(', ') : 'none normal yet'}${more > 0 ? `, … ${more} more${recentHidden > 0 ? ` (${recentHidden} new lately)` : ''}` : ''}`);
    for (const v of pending.slice(0, top)) lines.push(`    not yet normal: ${pendingLine(v, config)}`);
    if (pending.length > top) lines.push(`    … ${pending.length - top} more not yet normal`);
    if (dim === 'resource' && !hashShown && [...shown, ...pending.slice(0, top)].some((v) => v.value.includes('#'))) {
      lines.push('    (# in a resource pattern stands for a number or generated id; /* for the rest of the path)');
      hashShown = true;
    }
  }
  if (d.busiestHours.length > 0) lines.push(`  busiest hours of the week (UTC, share of recent activity): ${d.busiestHours.map((h) => `${h.label.replace(' UTC', '')} ${Math.round(h.share * 100)}%`).join(', ')}`);
  if (d.rate) lines.push(`  rate: ${d.rate.meanCalls} ± ${d.rate.sdCalls} calls per ${windowLabel(d.rate.windowSeconds)} window (mean ± sd over ${d.rate.activeWindows} windows with activity)`);
  const vols = d.volume.slice(0, top).map((v) => `${v.action} ${[v.bytesPerCall !== null ? `${humanBytes(v.bytesPerCall)}` : '', v.rowsPerCall !== null ? `${v.rowsPerCall} rows` : ''].filter(Boolean).join(', ')}`);
  if (vols.length > 0) lines.push(`  volume, typical per call (geometric mean): ${vols.join('; ')}${d.volume.length > top ? '; …' : ''}`);
  lines.push(`  failures: ${(d.failureShare * 100).toFixed(1)}% of recent calls failed or were denied; privileged calls from an ordinary context: ${d.privilegedFromOrdinaryContext}`);
  const tokens = Object.entries(p.tokens).sort((a, b) => b[1].at - a[1].at);
  if (tokens.length > 0) {
    const shownTokens = tokens.slice(0, top).map(([id, u]) => `${id} (last used ${day(u.at)}${u.net ? ` from ${u.net}` : ''}${u.country ? ` ${u.country}` : ''})`);
    lines.push(`  tokens: ${shownTokens.join(', ')}${tokens.length > top ? `, … ${tokens.length - top} more` : ''}`);
  }
  const suppressed = Object.entries(p.suppressed).map(([c, until]) => `${c} until ${day(until)}`);
  if (suppressed.length > 0) lines.push(`  operator-marked benign (weigh a quarter): ${suppressed.join(', ')}`);
  if (p.createdBy) lines.push(`  created by ${p.createdBy}${p.createdAt ? ` on ${day(p.createdAt)}` : ''}`);
  return lines;
}
