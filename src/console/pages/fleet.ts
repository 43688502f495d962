/** The fleet: identities by recent risk; unowned, unverified and stale identities; top reason codes over time. */
import { html } from '../html.js';
import type { Html } from '../html.js';
import { sparkline } from '../svg.js';
import { identityLink, page, when } from './layout.js';
import type { PageFrame } from './layout.js';

export interface RiskRow {
  identity: string;
  owner: string | null;
  risk: number;
  alerts: number;
  blocks: number;
  decisions: number;
  lastEventAt: number;
}

export interface FleetData {
  riskHours: number;
  byRisk: RiskRow[];
  unowned: Array<{ identity: string; why: string; decisions: number }>;
  unverified: Array<{ identity: string; owner: string }>;
  stale: Array<{ identity: string; owner: string; lastSeen: number | null }>;
  staleDays: number;
  staleError: string | null;
  reasons: Array<{ code: string; total: number; series: number[] }>;
  reasonHours: { from: number; to: number } | null;
}

function listOrNone(rows: Html[], head: Html, none: string): Html {
  return rows.length === 0 ? html`<p class="muted">${none}</p>` : html`<table>${head}${rows}</table>`;
}

export function fleetPage(frame: PageFrame, f: FleetData): Html {
  const risk = f.byRisk.map((r) => html`<tr><td>${identityLink(r.identity)}</td><td>${r.owner ?? '(none)'}</td><td class="num">${r.risk}</td><td class="num">${r.alerts}</td><td class="num">${r.blocks}</td><td class="num">${r.decisions}</td><td class="muted">${when(r.lastEventAt)}</td></tr>`);
  const unowned = f.unowned.map((u) => html`<tr><td>${identityLink(u.identity)}</td><td>${u.why}</td><td class="num">${u.decisions}</td></tr>`);
  const unverified = f.unverified.map((u) => html`<tr><td>${identityLink(u.identity)}</td><td>${u.owner} (a guess)</td></tr>`);
  const stale = f.stale.map((s) => html`<tr><td>${identityLink(s.identity)}</td><td>${s.owner}</td><td>${s.lastSeen === null ? 'never seen' : when(s.lastSeen)}</td></tr>`);
  const reasons = f.reasons.map((r) => html`<tr><td class="code">${r.code}</td><td class="num">${r.total}</td><td>${sparkline(r.series, `${r.code} per hour`)}</td></tr>`);
  return page(
    frame,
    html`<h1>Fleet</h1>
<h2>Identities by risk (highest score in the last ${f.riskHours} h of events)</h2>
<section class="card">${listOrNone(risk, html`<thead><tr><th>identity</th><th>owner</th><th class="num">risk</th><th class="num">alerts</th><th class="num">blocks</th><th class="num">decisions</th><th>last event</th></tr></thead>`, 'no decisions read yet')}</section>
<div class="grid">
<section class="card"><h2>Unowned</h2>${listOrNone(unowned, html`<thead><tr><th>identity</th><th>why</th><th class="num">decisions</th></tr></thead>`, 'every identity seen has an owner')}</section>
<section class="card"><h2>Unverified owners</h2>${listOrNone(unverified, html`<thead><tr><th>identity</th><th>owner</th></tr></thead>`, 'every owner is confirmed')}</section>
<section class="card"><h2>Stale (no activity for ${f.staleDays} days)</h2>${f.staleError ? html`<p class="error">${f.staleError}</p>` : ''}${listOrNone(stale, html`<thead><tr><th>identity</th><th>owner</th><th>last seen</th></tr></thead>`, 'no stale inventory identities')}</section>
</div>
<h2>Top reason codes over time</h2>
<section class="card">${f.reasonHours ? html`<p class="muted">per hour of event time, ${when(f.reasonHours.from)} to ${when(f.reasonHours.to)} UTC</p>` : ''}${listOrNone(reasons, html`<thead><tr><th>code</th><th class="num">total</th><th>per hour</th></tr></thead>`, 'no reasons raised')}</section>`,
  );
}
