/** Computes the fleet page from the decision index, the inventory and the baseline store. */
import type { BaselineStore } from '../baseline/store.js';
import type { Inventory } from '../identity/inventory.js';
import { HOUR_MS } from './decision-index.js';
import type { DecisionIndex } from './decision-index.js';
import type { FleetData, RiskRow } from './pages/fleet.js';

const RISK_HOURS = 24;
const LISTED = 100;
const REASON_CODES_SHOWN = 10;
const REASON_HOURS_SHOWN = 72;

export async function fleetData(index: DecisionIndex, inventory: Inventory | null, store: BaselineStore, staleDays: number, now: number, storeTimeout: <T>(p: Promise<T>) => Promise<T>): Promise<FleetData> {
  // Event time, not the wall clock: a replayed or delayed stream still ranks its own last day.
  let newest = 0;
  for (const s of index.allIdentities()) newest = Math.max(newest, s.lastEventAt);
  const since = newest - RISK_HOURS * HOUR_MS;
  const byRisk: RiskRow[] = [];
  const unowned: FleetData['unowned'] = [];
  const seen = new Set<string>();
  for (const s of index.allIdentities()) {
    // An identity known only from its audit events (its decisions not read yet) is not ranked.
    if (s.total === 0) continue;
    seen.add(s.identity);
    let risk = 0;
    let alerts = 0;
    let blocks = 0;
    for (const b of s.hours.values()) {
      if (b.hour < since - HOUR_MS) continue;
      risk = Math.max(risk, b.maxScore);
      alerts += b.alerts;
      blocks += b.blocks;
    }
    byRisk.push({ identity: s.identity, owner: s.owner, risk, alerts, blocks, decisions: s.total, lastEventAt: s.lastEventAt });
    const unknown = s.reasons.get('UNKNOWN_IDENTITY') ?? 0;
    const unownedToken = s.reasons.get('UNOWNED_TOKEN') ?? 0;
    if (s.owner === null || unknown > 0) unowned.push({ identity: s.identity, why: 'not in the inventory', decisions: s.total });
    else if (unownedToken > 0) unowned.push({ identity: s.identity, why: `a token tied to no owner (${unownedToken} decisions)`, decisions: s.total });
  }
  byRisk.sort((a, b) => b.risk - a.risk || b.blocks - a.blocks || b.alerts - a.alerts || (a.identity < b.identity ? -1 : 1));
  const unverified: FleetData['unverified'] = [];
  const candidates: Array<{ identity: string; owner: string }> = [];
  for (const r of inventory?.records ?? []) {
    if (r.verified === false) unverified.push({ identity: r.id, owner: r.owner });
    if (!/[*?]/.test(r.id)) candidates.push({ identity: r.id, owner: r.owner });
  }
  const stale: FleetData['stale'] = [];
  let staleError: string | null = null;
  const staleBefore = now - staleDays * 86_400_000;
  const recentlySeen = (id: string): boolean => (index.identity(id)?.lastEventAt ?? 0) >= staleBefore;
  const toCheck = candidates.filter((c) => !recentlySeen(c.identity));
  if (toCheck.length > 0) {
    try {
      const profiles = await storeTimeout(store.load(toCheck.map((c) => c.identity), null));
      for (const c of toCheck) {
        const lastSeen = profiles.get(c.identity)?.profile?.lastSeen ?? index.identity(c.identity)?.lastEventAt ?? null;
        if (lastSeen === null || lastSeen < staleBefore) stale.push({ ...c, lastSeen });
      }
    } catch (err) {
      staleError = `baseline store unavailable: ${(err as Error).message}`;
    }
  }
  stale.sort((a, b) => (a.lastSeen ?? 0) - (b.lastSeen ?? 0));
  const series = index.reasonSeries().slice(-REASON_HOURS_SHOWN);
  const totals = new Map<string, number>();
  for (const h of series) for (const [code, n] of h.codes) totals.set(code, (totals.get(code) ?? 0) + n);
  const top = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, REASON_CODES_SHOWN);
  const first = series[0]?.hour ?? 0;
  const hours = series.length > 0 ? Math.round(((series.at(-1)?.hour ?? first) - first) / HOUR_MS) + 1 : 0;
  const reasons = top.map(([code, total]) => {
    const values = new Array<number>(hours).fill(0);
    for (const h of series) values[Math.round((h.hour - first) / HOUR_MS)] = h.codes.get(code) ?? 0;
    return { code, total, series: values };
  });
  return {
    riskHours: RISK_HOURS,
    byRisk: byRisk.slice(0, LISTED),
    unowned: unowned.slice(0, LISTED),
    unverified: unverified.slice(0, LISTED),
    stale: stale.slice(0, LISTED),
    staleDays,
    staleError,
    reasons,
    reasonHours: series.length > 0 ? { from: first, to: series.at(-1)!.hour } : null,
  };
}
