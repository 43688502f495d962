/**
 * Server-sent events for the live page. Each open page has a filter and a budget of decisions per
 * second: alerts and blocks may use all of it, allows only half, and what does not fit is counted
 * but not sent. Once a second every page gets exact counters (everything read, everything its
 * filter matched, what was left out), so a page keeps up with thousands of decisions per second
 * while its numbers stay true. A page whose socket cannot keep up is skipped until it drains.
 */
import type { ServerResponse } from 'node:http';
import type { Decision } from '../decisions/decision.js';
import type { DecisionIndex, IndexedDecision } from './decision-index.js';

export interface LiveRow {
  decisionId: string;
  identity: string;
  owner: string | null;
  action: string;
  resource: string | null;
  verdict: string;
  score: number;
  reasons: string[];
  eventTime: string;
  degraded: boolean;
}

export function liveRow(d: Decision): LiveRow {
  return { decisionId: d.decisionId, identity: d.identity, owner: d.owner, action: d.action, resource: d.resource, verdict: d.verdict, score: d.score, reasons: d.reasons.map((r) => r.code), eventTime: d.eventTime, degraded: d.degraded === true };
}

interface LiveClient {
  res: ServerResponse;
  matches: (d: Decision) => boolean;
  budget: number;
  matched: number;
  sent: number;
  sampledOut: number;
  congested: boolean;
}

export class LiveHub {
  private readonly clients = new Set<LiveClient>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly index: DecisionIndex,
    private readonly maxPerSecond: number,
  ) {
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  /** Takes over a response as an event stream until the client goes away. */
  attach(res: ServerResponse, matches: (d: Decision) => boolean): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 3000\n\n');
    const client: LiveClient = { res, matches, budget: this.maxPerSecond, matched: 0, sent: 0, sampledOut: 0, congested: false };
    this.clients.add(client);
    res.on('drain', () => {
      client.congested = false;
    });
    res.on('close', () => this.clients.delete(client));
    this.sendCounts(client);
  }

  publish(entry: IndexedDecision): void {
    if (this.clients.size === 0) return;
    const d = entry.decision;
    let payload: string | null = null;
    for (const c of this.clients) {
      if (!c.matches(d)) continue;
      c.matched++;
      const floor = d.verdict === 'allow' ? this.maxPerSecond / 2 : 0;
      if (c.congested || c.budget <= floor) {
        c.sampledOut++;
        continue;
      }
      c.budget--;
      c.sent++;
      payload ??= `event: decision\ndata: ${JSON.stringify(liveRow(d))}\n\n`;
      if (!c.res.write(payload)) c.congested = true;
    }
  }

  private sendCounts(c: LiveClient): void {
    const counts = { total: this.index.total, ...this.index.totals, matched: c.matched, sent: c.sent, sampledOut: c.sampledOut, perSecond: Math.round(this.index.throughput(10).perSecond * 10) / 10 };
    c.res.write(`event: counts\ndata: ${JSON.stringify(counts)}\n\n`);
  }

  private tick(): void {
    for (const c of this.clients) {
      c.budget = this.maxPerSecond;
      this.sendCounts(c);
    }
  }

  get size(): number {
    return this.clients.size;
  }

  close(): void {
    clearInterval(this.timer);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }
}
