/**
 * One identity: who owns it, its tokens, how far it has learned, what it normally does (from its
 * baseline profile), plots of its activity, its recent decisions and blocks, and (for operators)
 * the block and lift forms.
 */
import { html } from '../html.js';
import type { Html } from '../html.js';
import type { IdentityRecord } from '../../identity/types.js';
import type { IdentityProfile, Dimension } from '../../baseline/profile.js';
import { humanBytes } from '../../baseline/describe.js';
import type { DerivedProfile } from '../../baseline/describe.js';
import type { BlockRecord } from '../../decisions/block-record.js';
import type { BlockHistoryEntry } from '../block-view.js';
import { HOUR_MS } from '../decision-index.js';
import type { IdentityStats, IndexedDecision } from '../decision-index.js';
import { barChart, hourOfWeekHeatmap } from '../svg.js';
import type { SeriesPoint } from '../svg.js';
import { decisionLink, page, verdictBadge, when } from './layout.js';
import type { PageFrame } from './layout.js';

const DAY_MS = 86_400_000;
const SHOWN_VALUES = 12;

/** What the identity page shows in "what it normally does", in this order. */
const NORMAL_DIMENSIONS: Array<[Dimension, string]> = [
  ['action', 'actions'],
  ['service', 'services'],
  ['resource', 'resources'],
  ['net', 'networks'],
  ['region', 'regions'],
  ['ua', 'user agents'],
  ['country', 'countries'],
  ['workload', 'workloads'],
];

export interface IdentityPageData {
  id: string;
  record: IdentityRecord | null;
  profile: IdentityProfile | null;
  derived: DerivedProfile | null;
  /** Why the profile could not be read (the store is down), if so. */
  profileError: string | null;
  stats: IdentityStats | null;
  recent: readonly IndexedDecision[];
  activeBlocks: readonly BlockRecord[];
  blockHistory: readonly BlockHistoryEntry[];
  canAct: boolean;
  flash: string | null;
  error: string | null;
}

function ownerSection(d: IdentityPageData): Html {
  const r = d.record;
  const tokens = new Set([...(r?.tokens ?? []), ...Object.keys(d.profile?.tokens ?? {})]);
  const tokenRows = [...tokens].map((t) => {
    const use = d.profile?.tokens[t];
    const declared = r?.tokens?.includes(t) ?? false;
    return html`<tr><td class="code">${t}</td><td>${declared ? 'declared in the inventory' : html`<span class="error">not declared</span>`}</td><td>${use ? `${when(use.at)} from ${use.net ?? '?'}${use.country ? ` ${use.country}` : ''}${use.region ? ` ${use.region}` : ''}` : 'not used in the profile'}</td></tr>`;
  });
  return html`<section class="card"><table>
<tr><th>owner</th><td id="identity-owner">${r ? r.owner : html`<span class="error">not in the inventory: no owner is accountable</span>`}${r && r.verified === false ? html` <span class="tag new">unverified</span>` : ''}${r?.contact ? ` · ${r.contact}` : ''}</td></tr>
<tr><th>class</th><td>${r?.class ?? '—'}${r?.type ? ` · type ${r.type}` : ''}${r?.environment ? ` · ${r.environment}` : ''}${r?.criticality ? ` · criticality ${r.criticality}` : ''}</td></tr>
${r?.description ? html`<tr><th>description</th><td>${r.description}</td></tr>` : ''}
<tr><th>tokens</th><td>${tokenRows.length === 0 ? html`<span class="muted">none declared or seen</span>` : html`<table><thead><tr><th>token</th><th>inventory</th><th>last use</th></tr></thead>${tokenRows}</table>`}</td></tr>
<tr><th>learning</th><td>${learningText(d)}</td></tr>
<tr><th>decisions read</th><td>${d.stats ? html`${d.stats.total} (${d.stats.byVerdict.allow} allow, ${d.stats.byVerdict.alert} alert, ${d.stats.byVerdict.block} block) from ${when(d.stats.firstEventAt)} to ${when(d.stats.lastEventAt)}` : html`<span class="muted">none in the console's window</span>`}</td></tr>
</table></section>`;
}

function learningText(d: IdentityPageData): Html {
  if (d.profileError) return html`<span class="error">baseline store unavailable: ${d.profileError}</span>`;
  if (!d.derived || !d.profile) return html`<span class="muted">no baseline yet (no event learned)</span>`;
  const l = d.derived.learning;
  return l.inLearning
    ? html`learning, ${Math.round(l.maturity * 100)}% mature: ${l.events} of ${l.eventsNeeded} events, ${l.days} of ${l.daysNeeded} days; findings weigh ×${l.findingWeight}`
    : html`done: ${l.events} events over ${l.days} days; profile as of ${d.derived.asOf}`;
}

function normalSection(d: IdentityPageData): Html {
  if (!d.derived) return html``;
  const rows = NORMAL_DIMENSIONS.map(([dim, label]) => {
    const entry = d.derived?.values[dim];
    if (!entry) return html`<tr><th>${label}</th><td class="muted">none seen</td></tr>`;
    const shown = entry.values.slice(0, SHOWN_VALUES).map((v) => html`<span class="tag ${v.normal ? '' : 'new'}" title="${v.seen} sightings on ${v.days} days since ${v.firstSeen.slice(0, 10)}${v.normal ? '' : '; not yet normal'}">${v.value} ×${v.seen}</span>`);
    const more = entry.values.length - SHOWN_VALUES;
    return html`<tr><th>${label}</th><td data-dimension="${dim}">${shown}${more > 0 ? html` <span class="muted">… ${more} more</span>` : ''}</td></tr>`;
  });
  const rate = d.derived.rate ? html`<tr><th>rate</th><td>${d.derived.rate.meanCalls} ± ${d.derived.rate.sdCalls} calls per ${d.derived.rate.windowSeconds} s window</td></tr>` : '';
  return html`<h2>What it normally does</h2><section class="card"><table>${rows}${rate}<tr><th>failures</th><td>${(d.derived.failureShare * 100).toFixed(1)}% of recent calls failed or were denied</td></tr></table></section>`;
}

/** Values first seen per day, across the dimensions of the profile. */
function newValuesPerDay(p: IdentityProfile): SeriesPoint[] {
  const days = new Map<number, number>();
  for (const map of Object.values(p.maps)) {
    for (const stats of Object.values(map.entries)) {
      const day = Math.floor(stats.first / DAY_MS) * DAY_MS;
      days.set(day, (days.get(day) ?? 0) + 1);
    }
  }
  return [...days.entries()].sort((a, b) => a[0] - b[0]).map(([at, value]) => ({ at, value }));
}

function plots(d: IdentityPageData): Html {
  const buckets = d.stats ? [...d.stats.hours.values()].sort((a, b) => a.hour - b.hour) : [];
  const hourly: SeriesPoint[] = buckets.map((b) => ({ at: b.hour, value: b.events, alerts: b.alerts, blocks: b.blocks }));
  const volume: SeriesPoint[] = buckets.some((b) => b.bytes > 0) ? buckets.map((b) => ({ at: b.hour, value: b.bytes, alerts: b.alerts, blocks: b.blocks })) : [];
  const heat = d.profile ? hourOfWeekHeatmap(d.profile.hours, `hour-of-week activity of ${d.id} (UTC)`) : html`<p class="muted">no profile</p>`;
  const newValues = d.profile ? barChart(newValuesPerDay(d.profile), { label: `values first seen per day by ${d.id}`, slotMs: DAY_MS, unit: 'new values' }) : html`<p class="muted">no profile</p>`;
  return html`<h2>Activity</h2><div class="grid">
<section class="card"><h2>Hour of week (UTC)</h2>${heat}</section>
<section class="card"><h2>New values over time</h2>${newValues}</section></div>
<section class="card"><h2>Events per hour, alerts and blocks marked</h2>${barChart(hourly, { label: `events per hour of ${d.id}`, slotMs: HOUR_MS, unit: 'events' })}</section>
${volume.length > 0 ? html`<section class="card"><h2>Volume per hour (bytes reported by its audit events), alerts and blocks marked</h2>${barChart(volume, { label: `bytes per hour of ${d.id}`, slotMs: HOUR_MS, unit: '', format: humanBytes })}</section>` : ''}`;
}

function blockSection(frame: PageFrame, d: IdentityPageData): Html {
  const active = d.activeBlocks.map((b) => html`<tr><td>${b.tokenId ? `token ${b.tokenId}` : 'identity'}</td><td>${b.reason}</td><td>${b.source}</td><td>${b.actions ? b.actions.join(', ') : 'all actions'}</td><td>${b.expiresAt ?? 'until lifted'}</td></tr>`);
  const history = d.blockHistory.map((e) => html`<tr><td>${e.record?.createdAt ?? '—'}</td><td>${e.record?.state ?? '?'}</td><td>${e.record?.tokenId ?? ''}</td><td>${e.record?.reason ?? ''}</td><td>${e.record?.source ?? ''}</td><td>${e.rejected ? html`<span class="error">${e.rejected}</span>` : 'applied'}</td></tr>`);
  const forms = d.canAct
    ? html`<form class="action" method="post" action="/identities/${encodeURIComponent(d.id)}/block" id="block-form"><input type="hidden" name="csrf" value="${frame.csrf}">
<label>reason<input name="reason" required maxlength="500" placeholder="why"></label>
<label>ttl<input name="ttl" value="1h" size="6" placeholder="90s, 2h, never"></label>
<label>token (optional)<input name="token" size="14"></label>
<label>actions (optional)<input name="actions" placeholder="iam:*, s3:PutObject"></label>
<button class="danger" type="submit">Block</button></form>
<form class="action" method="post" action="/identities/${encodeURIComponent(d.id)}/lift" id="lift-form"><input type="hidden" name="csrf" value="${frame.csrf}">
<label>reason<input name="reason" required maxlength="500" placeholder="why"></label>
<label>token (optional)<input name="token" size="14"></label>
<button type="submit">Lift block</button></form>`
    : html`<p class="muted">Your role (${frame.principal.role}) cannot block or lift.</p>`;
  return html`<h2>Blocks</h2><section class="card">${active.length === 0 ? html`<p id="block-state">not blocked</p>` : html`<p id="block-state" class="error">blocked</p><table><thead><tr><th>scope</th><th>reason</th><th>by</th><th>actions</th><th>until</th></tr></thead>${active}</table>`}
${forms}
${history.length > 0 ? html`<h2>History</h2><table><thead><tr><th>at</th><th>state</th><th>token</th><th>reason</th><th>by</th><th>status</th></tr></thead>${history}</table>` : ''}</section>`;
}

export function identityPage(frame: PageFrame, d: IdentityPageData): Html {
  const recent = d.recent.map((e) => html`<tr><td class="muted code time">${e.decision.eventTime.replace('T', ' ').slice(0, 19)}</td><td>${verdictBadge(e.decision.verdict)}</td><td class="num">${e.decision.score}</td><td class="code">${e.decision.action}</td><td class="code">${e.decision.reasons.map((r) => r.code).join(', ')}</td><td>${decisionLink(e.decision.decisionId, 'details')}</td></tr>`);
  return page(
    frame,
    html`<h1 id="identity-id">${d.id}</h1>${d.flash ? html`<p class="flash" id="flash">${d.flash}</p>` : ''}${d.error ? html`<p class="error" id="form-error">${d.error}</p>` : ''}
${ownerSection(d)}${blockSection(frame, d)}${normalSection(d)}${plots(d)}
<h2>Recent decisions</h2><section class="card">${recent.length === 0 ? html`<p class="muted">none in the console's window</p>` : html`<table><thead><tr><th>event time</th><th>verdict</th><th class="num">risk</th><th>action</th><th>reasons</th><th></th></tr></thead>${recent}</table>`}</section>`,
  );
}
