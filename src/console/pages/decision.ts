/** One decision: verdict, each stage's contribution, its reasons, the signature check and the event. */
import { html } from '../html.js';
import type { Html } from '../html.js';
import type { Decision, Reason } from '../../decisions/decision.js';
import type { Inspection } from '../../decisions/signing.js';
import type { WardenEvent } from '../../events/event.js';
import { identityLink, page, verdictBadge, when } from './layout.js';
import type { PageFrame } from './layout.js';

const STAGES: Array<[string, (code: string) => boolean]> = [
  ['identity', (c) => ['UNKNOWN_IDENTITY', 'UNOWNED_TOKEN', 'SHARED_TOKEN', 'UNVERIFIED_OWNER'].includes(c)],
  ['policy', (c) => c.startsWith('POLICY_')],
  ['technique knowledge', (c) => c === 'ATTACK_TECHNIQUE'],
  ['model', (c) => c === 'MODEL_ANOMALY'],
  ['operator', (c) => c.startsWith('OPERATOR_')],
  ['degraded operation', (c) => c === 'STORE_UNAVAILABLE'],
  ['baseline', () => true],
];

/** Which pipeline stage raised a reason code. */
export function stageOf(code: string): string {
  return STAGES.find(([, test]) => test(code))?.[0] ?? 'baseline';
}

const SIGNATURE_TEXT: Record<Inspection['status'], string> = {
  valid: 'valid: signed by a trusted key, unchanged since',
  unsigned: 'unsigned: the record carries no signature',
  'unknown-key': 'unknown key: signed by a key this console does not trust',
  'bad-signature': 'BAD SIGNATURE: the record or its signature was altered after signing',
  malformed: 'malformed: the signature is not a Warden signature',
  'no-manifest': 'no manifest: a compact record whose signed batch manifest this console has not read',
};

function reasonRow(r: Reason): Html {
  const technique = r.technique ? html` <span class="tag">${r.technique}${r.tactic ? ` · ${r.tactic}` : ''}</span>` : '';
  return html`<tr><td class="code">${r.code}</td><td>${stageOf(r.code)}</td><td class="num">${r.weight}</td><td>${r.detail}${technique}</td></tr>`;
}

export function decisionPage(frame: PageFrame, d: Decision, inspection: Inspection, event: WardenEvent | null, receivedAt: number): Html {
  const byStage = new Map<string, number>();
  for (const r of d.reasons) byStage.set(stageOf(r.code), (byStage.get(stageOf(r.code)) ?? 0) + r.weight);
  const stages = [...byStage.entries()].sort((a, b) => b[1] - a[1]);
  const sigClass = inspection.valid ? '' : 'error';
  return page(
    frame,
    html`<h1>Decision ${d.decisionId}</h1>
<section class="card"><table>
<tr><th>verdict</th><td>${verdictBadge(d.verdict)} risk ${d.score} · mode ${d.mode}${d.wouldBe ? ` (would be ${d.wouldBe})` : ''}${d.degraded ? ' · degraded (decided without the baseline store)' : ''}</td></tr>
<tr><th>identity</th><td>${identityLink(d.identity)} · owner ${d.owner ?? '(none)'}</td></tr>
<tr><th>action</th><td class="code">${d.action}</td></tr>
<tr><th>resource</th><td class="code">${d.resource ?? '—'}</td></tr>
<tr><th>event</th><td class="code">${d.eventId} at ${d.eventTime}; decided ${d.decidedAt}; read ${when(receivedAt)}</td></tr>
<tr><th>policy</th><td class="code">${d.policy?.id ?? '(no rule)'} @ ${d.policy?.version ?? '—'}</td></tr>
<tr><th>model</th><td class="code">${d.model ?? '(none)'}</td></tr>
<tr><th>signature</th><td><span class="${sigClass}" id="signature-status" data-status="${inspection.status}">${SIGNATURE_TEXT[inspection.status]}</span>${inspection.keyId ? html` <span class="muted code">key ${inspection.keyId}</span>` : ''}${inspection.batch ? html` <span class="muted">(batch signature, record ${inspection.batch.index + 1} of ${inspection.batch.manifest.size})</span>` : ''}</td></tr>
</table></section>
<h2>Contribution of each stage</h2>
<section class="card">${stages.length === 0 ? html`<p class="muted">No stage raised anything: an ordinary action.</p>` : html`<table><thead><tr><th>stage</th><th class="num">points</th></tr></thead>${stages.map(([s, w]) => html`<tr><td>${s}</td><td class="num">${w}</td></tr>`)}</table>`}</section>
<h2>Reasons</h2>
<section class="card">${d.reasons.length === 0 ? html`<p class="muted">none</p>` : html`<table><thead><tr><th>code</th><th>stage</th><th class="num">weight</th><th>detail</th></tr></thead>${d.reasons.map(reasonRow)}</table>`}</section>
<h2>Event</h2>
<section class="card">${event ? html`<pre class="event" id="event-json">${JSON.stringify(event, null, 2)}</pre>` : html`<p class="muted">The event is no longer in the console's event cache (console.eventCacheSize) or its input topic is not read.</p>`}</section>`,
  );
}
