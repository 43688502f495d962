import { PassThrough } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DecisionIndex, decisionMatcher } from '../../../src/console/decision-index.js';
import { escapeHtml, html, raw } from '../../../src/console/html.js';
import { LiveHub } from '../../../src/console/live.js';
import { decision } from './fixtures.js';

describe('html template', () => {
  it('escapes every interpolation, leaves nested templates alone, and joins lists', () => {
    const evil = `<img src=x onerror="alert('1')">&\``;
    expect(html`<td>${evil}</td>`.text).toBe('<td>&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;&#96;</td>');
    expect(html`<a title="${evil}">${[html`<b>${'<i>'}</b>`, 2, null, false, undefined]}</a>`.text).toBe(`<a title="${escapeHtml(evil)}"><b>&lt;i&gt;</b>2</a>`);
    expect(html`${raw('<svg/>')}`.text).toBe('<svg/>');
  });
});

describe('decision index', () => {
  it('keeps memory bounded while counters stay exact', () => {
    const index = new DecisionIndex({ maxDecisions: 100, perIdentityDecisions: 10, maxIdentities: 3 });
    for (let i = 0; i < 1000; i++) index.add(decision(i, { identity: `svc-${i % 2}`, verdict: i % 10 === 0 ? 'alert' : 'allow', score: i % 10 === 0 ? 50 : 0, reasons: i % 10 === 0 ? [{ code: 'NEW_ACTION', detail: '', weight: 50 }] : [] }));
    expect(index.total).toBe(1000);
    expect(index.totals).toEqual({ allow: 900, alert: 100, block: 0 });
    expect(index.kept).toBe(100);
    expect(index.get('d-899')).toBeNull();
    expect(index.get('d-999')?.decision.decisionId).toBe('d-999');
    const s = index.identity('svc-1');
    if (!s) throw new Error('identity missing');
    expect(s.total).toBe(500);
    expect(index.recentOf(s).map((e) => e.decision.decisionId)).toEqual(['d-999', 'd-997', 'd-995', 'd-993', 'd-991', 'd-989', 'd-987', 'd-985', 'd-983', 'd-981']);
    const buckets = [...(index.identity('svc-0')?.hours.values() ?? [])];
    expect(buckets.reduce((a, b) => a + b.events, 0)).toBe(500);
    expect(buckets.reduce((a, b) => a + b.alerts + b.newValues, 0)).toBe(200);
    for (let i = 0; i < 3; i++) index.add(decision(2000 + i, { identity: `other-${i}` }));
    expect(index.identity('svc-0')).toBeNull();
    index.addVolume('other-2', '2026-11-20T10:15:00Z', 5000, 0);
    index.addVolume('other-2', '2026-11-20T10:45:00Z', 2500, 12);
    const volume = index.identity('other-2')?.hours.get(Date.UTC(2026, 10, 20, 10));
    expect(volume).toMatchObject({ bytes: 7500, rows: 12, events: 0 });
    expect(index.identity('other-2')?.total).toBe(1);
    expect(index.recent(decisionMatcher({ verdict: 'alert' }, () => null), 5).map((e) => e.decision.decisionId)).toEqual(['d-990', 'd-980', 'd-970', 'd-960', 'd-950']);
  });
});

function fakeResponse(): { res: ServerResponse; text: () => string } {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString()));
  const res = Object.assign(stream, { writeHead: () => res }) as unknown as ServerResponse;
  return { res, text: () => out };
}

describe('live hub', () => {
  it('sends at most its budget per second, alerts before allows, and counts what it left out', async () => {
    const index = new DecisionIndex({ maxDecisions: 10_000, perIdentityDecisions: 10, maxIdentities: 10 });
    const hub = new LiveHub(index, 20);
    const all = fakeResponse();
    const alertsOnly = fakeResponse();
    hub.attach(all.res, () => true);
    hub.attach(alertsOnly.res, decisionMatcher({ verdict: 'alert' }, () => null));
    for (let i = 0; i < 5000; i++) hub.publish(index.add(decision(i, { verdict: i % 100 === 0 ? 'alert' : 'allow' })));
    await new Promise((r) => setImmediate(r));
    const sent = (t: string) => t.split('event: decision').length - 1;
    // Allows may use half the budget (after the first alert: 9 allows), the later alerts the rest (10).
    expect(sent(all.text())).toBe(20);
    expect(all.text().split('"verdict":"alert"').length - 1).toBe(11);
    expect(sent(alertsOnly.text())).toBe(20);
    await new Promise((r) => setTimeout(r, 1100));
    const counts = JSON.parse(/event: counts\ndata: (.*)\n/.exec(all.text().slice(all.text().lastIndexOf('event: counts')))?.[1] ?? '{}') as Record<string, number>;
    expect(counts).toMatchObject({ total: 5000, allow: 4950, alert: 50, matched: 5000, sent: 20, sampledOut: 4980 });
    hub.close();
  });
});
