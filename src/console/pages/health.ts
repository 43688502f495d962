/** Health: how far behind the pipeline and the console are, throughput, degraded decisions, versions in use. */
import { html } from '../html.js';
import type { Html } from '../html.js';
import { page, when } from './layout.js';
import type { PageFrame } from './layout.js';

export interface LagRow {
  topic: string;
  partition: number;
  position: string;
  high: string;
  lag: number;
}

export interface HealthData {
  pipelineGroup: string;
  pipelineLag: LagRow[] | null;
  pipelineLagError: string | null;
  consoleLag: LagRow[];
  consoleReady: boolean;
  throughput: Array<{ window: string; perSecond: number; degradedPerSecond: number }>;
  degradedTotal: number;
  lastDegradedAt: number | null;
  total: number;
  kept: number;
  malformedDecisions: number;
  rejectedBlocks: number;
  eventsCached: number;
  liveClients: number;
  storeReachable: boolean;
  policyVersions: Array<{ version: string; count: number; lastAt: number }>;
  modelVersions: Array<{ version: string; count: number; lastAt: number }>;
}

function lagTable(rows: readonly LagRow[], id: string): Html {
  if (rows.length === 0) return html`<p class="muted">no partitions yet</p>`;
  return html`<table id="${id}"><thead><tr><th>topic</th><th class="num">partition</th><th class="num">position</th><th class="num">end</th><th class="num">lag</th></tr></thead>${rows.map((r) => html`<tr><td class="code">${r.topic}</td><td class="num">${r.partition}</td><td class="num">${r.position}</td><td class="num">${r.high}</td><td class="num">${r.lag}</td></tr>`)}</table>`;
}

function versions(rows: HealthData['policyVersions']): Html {
  return html`<table><thead><tr><th>version</th><th class="num">decisions</th><th>last read</th></tr></thead>${rows.map((v) => html`<tr><td class="code">${v.version}</td><td class="num">${v.count}</td><td>${when(v.lastAt)}</td></tr>`)}</table>`;
}

export function healthPage(frame: PageFrame, h: HealthData): Html {
  const recentDegraded = h.throughput[0]?.degradedPerSecond ?? 0;
  const state = recentDegraded > 0 ? html`<span class="error" id="degraded-state">degraded: decisions are being made without the baseline store</span>` : html`<span id="degraded-state">normal</span>`;
  return page(
    frame,
    html`<h1>Health</h1>
<section class="card"><table>
<tr><th>decisions</th><td>${state} · ${h.degradedTotal} degraded of ${h.total} read; last degraded ${when(h.lastDegradedAt)}</td></tr>
<tr><th>throughput</th><td>${h.throughput.map((t) => html`<span class="tag">${t.window}: ${t.perSecond.toFixed(1)}/s</span>`)}</td></tr>
<tr><th>baseline store</th><td>${h.storeReachable ? 'reachable' : html`<span class="error">unreachable</span>`}</td></tr>
<tr><th>console</th><td>${h.consoleReady ? 'caught up' : 'catching up'}; ${h.kept} decisions kept, ${h.eventsCached} events cached, ${h.liveClients} live page(s) open; ${h.malformedDecisions} malformed decision record(s), ${h.rejectedBlocks} rejected block record(s)</td></tr>
</table></section>
<h2>Pipeline lag (consumer group ${h.pipelineGroup})</h2>
<section class="card">${h.pipelineLagError ? html`<p class="error">${h.pipelineLagError}</p>` : ''}${h.pipelineLag ? lagTable(h.pipelineLag, 'pipeline-lag') : ''}</section>
<h2>Console lag</h2><section class="card">${lagTable(h.consoleLag, 'console-lag')}</section>
<div class="grid"><section class="card"><h2>Policy versions</h2>${versions(h.policyVersions)}</section><section class="card"><h2>Model versions</h2>${versions(h.modelVersions)}</section></div>`,
  );
}
