/** The live page: the newest matching decisions rendered on the server, then streamed (live.ts). */
import { html } from '../html.js';
import type { Html } from '../html.js';
import type { DecisionFilter, IndexedDecision } from '../decision-index.js';
import { REASON_CODES } from '../../decisions/reason-codes.js';
import { decisionLink, identityLink, page, verdictBadge } from './layout.js';
import type { PageFrame } from './layout.js';

export const LIVE_ROWS = 200;

export interface LiveCounts {
  total: number;
  allow: number;
  alert: number;
  block: number;
}

function row(e: IndexedDecision): Html {
  const d = e.decision;
  return html`<tr data-decision-id="${d.decisionId}"><td class="muted code">${d.eventTime}</td><td>${verdictBadge(d.verdict)}</td><td class="num">${d.score}</td><td>${identityLink(d.identity)}</td><td class="${d.owner === null ? 'muted' : ''}">${d.owner ?? '(none)'}</td><td class="code">${d.action}</td><td class="code">${d.reasons.map((r) => r.code).join(', ')}${d.degraded ? ' (degraded)' : ''}</td><td>${decisionLink(d.decisionId, 'details')}</td></tr>`;
}

export function livePage(frame: PageFrame, filter: DecisionFilter, rows: readonly IndexedDecision[], counts: LiveCounts): Html {
  const verdicts = ['', 'allow', 'alert', 'block'].map((v) => html`<option value="${v}" ${filter.verdict === v ? html`selected` : ''}>${v || 'any'}</option>`);
  const reasons = ['', ...Object.keys(REASON_CODES)].map((c) => html`<option value="${c}" ${filter.reason === c ? html`selected` : ''}>${c || 'any'}</option>`);
  const counter = (id: string, label: string, value: number | string): Html => html`<div><b id="count-${id}">${value}</b><span class="muted">${label}</span></div>`;
  return page(
    frame,
    html`<h1>Live decisions <span id="live-status" class="muted">connecting…</span></h1>
<section class="card"><form class="filters" method="get" action="/">
<label>verdict<select name="verdict">${verdicts}</select></label>
<label>identity<input name="identity" value="${filter.identity ?? ''}" placeholder="contains"></label>
<label>owner<input name="owner" value="${filter.owner ?? ''}" placeholder="contains"></label>
<label>reason code<select name="reason">${reasons}</select></label>
<label>source<input name="source" value="${filter.source ?? ''}" placeholder="IP, user agent, region, workload"></label>
<button type="submit">Filter</button> <a href="/">clear</a></form></section>
<section class="card counters">${counter('total', 'decisions read', counts.total)}${counter('allow', 'allow', counts.allow)}${counter('alert', 'alert', counts.alert)}${counter('block', 'block', counts.block)}${counter('matched', 'matched (live)', 0)}${counter('sent', 'shown (live)', 0)}${counter('sampledOut', 'not shown (sampled)', 0)}${counter('perSecond', 'per second', '—')}</section>
<section class="card"><table><thead><tr><th>event time</th><th>verdict</th><th class="num">risk</th><th>identity</th><th>owner</th><th>action</th><th>reasons</th><th></th></tr></thead>
<tbody id="live-rows" data-max-rows="${LIVE_ROWS}">${rows.map(row)}</tbody></table></section>`,
  );
}
