/** Blocks: in force, ending soon, and the history of block and lift records read. */
import { html } from '../html.js';
import type { Html } from '../html.js';
import type { BlockRecord } from '../../decisions/block-record.js';
import type { BlockHistoryEntry } from '../block-view.js';
import { decisionLink, identityLink, page } from './layout.js';
import type { PageFrame } from './layout.js';

function blockRow(b: BlockRecord): Html {
  return html`<tr><td>${identityLink(b.identity)}</td><td>${b.tokenId ?? 'all tokens'}</td><td>${b.actions ? b.actions.join(', ') : 'all actions'}</td><td>${b.reason}</td><td>${b.source}</td><td>${b.decisionId ? decisionLink(b.decisionId, 'decision') : '—'}</td><td>${b.createdAt}</td><td>${b.expiresAt ?? 'until lifted'}</td></tr>`;
}

const HEAD = html`<thead><tr><th>identity</th><th>token</th><th>actions</th><th>reason</th><th>by</th><th>cause</th><th>since</th><th>until</th></tr></thead>`;

export function blocksPage(frame: PageFrame, active: readonly BlockRecord[], expiring: readonly BlockRecord[], expiringHours: number, history: readonly BlockHistoryEntry[], rejected: number): Html {
  const hist = history.map((e) => html`<tr><td>${e.record?.createdAt ?? '—'}</td><td>${e.record ? identityLink(e.record.identity) : e.key}</td><td>${e.record?.state ?? '?'}</td><td>${e.record?.tokenId ?? ''}</td><td>${e.record?.reason ?? ''}</td><td>${e.record?.source ?? ''}</td><td>${e.record?.expiresAt ?? ''}</td><td>${e.rejected ? html`<span class="error">${e.rejected}</span>` : 'applied'}</td></tr>`);
  return page(
    frame,
    html`<h1>Blocks</h1>
${rejected > 0 ? html`<p class="error">${rejected} record(s) on the blocks topic failed the enforcers' checks (signature, shape or key) and are ignored by them.</p>` : ''}
<h2>In force (${active.length})</h2><section class="card">${active.length === 0 ? html`<p class="muted">no identity is blocked</p>` : html`<table id="active-blocks">${HEAD}${active.map(blockRow)}</table>`}</section>
<h2>Ending within ${expiringHours} h (${expiring.length})</h2><section class="card">${expiring.length === 0 ? html`<p class="muted">none</p>` : html`<table>${HEAD}${expiring.map(blockRow)}</table>`}</section>
<h2>History</h2><section class="card">${hist.length === 0 ? html`<p class="muted">no records read</p>` : html`<table><thead><tr><th>at</th><th>identity</th><th>state</th><th>token</th><th>reason</th><th>by</th><th>until</th><th>status</th></tr></thead>${hist}</table>`}</section>`,
  );
}
