/** Renders a profile as text a person can check: what Warden believes is normal for an identity. */
import type { Dimension, IdentityProfile, ValueStats } from './profile.js';
import { hourLabel } from './detectors/activity.js';

const LABELS: Record<Dimension, string> = {
  action: 'actions', service: 'services', resource: 'resource patterns', ip: 'source IPs', net: 'source networks',
  asn: 'ASNs', country: 'countries', region: 'regions', ua: 'user-agent families', workload: 'workloads',
};

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function describeProfile(p: IdentityProfile, absorbAfterSightings: number, absorbAfterDays: number, top = 8): string[] {
  const lines: string[] = [];
  lines.push(`identity ${p.identity}: ${p.events} events from ${day(p.firstSeen)} to ${day(p.lastSeen)}`);
  for (const dim of Object.keys(LABELS) as Dimension[]) {
    const entries = Object.entries(p.maps[dim].entries) as Array<[string, ValueStats]>;
    if (entries.length === 0) continue;
    entries.sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1));
    const shown = entries.slice(0, top).map(([v, e]) => {
      const normal = e.legit >= absorbAfterSightings || e.days >= absorbAfterDays;
      return `${v} ×${e.n}${normal ? '' : ' (still new)'}`;
    });
    const churn = p.maps[dim].newRate > 0.2 ? `, churns (${Math.round(p.maps[dim].newRate * 100)}% new)` : '';
    lines.push(`  ${LABELS[dim]} (${entries.length}${churn}): ${shown.join(', ')}${entries.length > top ? ', …' : ''}`);
  }
  const total = p.hours.reduce((a, b) => a + b, 0);
  if (total > 0) {
    const busy = p.hours.map((w, h) => [h, w] as const).filter(([, w]) => w / total >= 0.02).sort((a, b) => b[1] - a[1]).slice(0, 6);
    lines.push(`  busiest hours: ${busy.map(([h, w]) => `${hourLabel(h)} ${Math.round((w / total) * 100)}%`).join(', ')}`);
  }
  if (p.rate.n > 0) lines.push(`  rate: ${p.rate.mean.toFixed(1)} ± ${Math.sqrt(p.rate.var).toFixed(1)} calls per active window (${p.rate.n} windows)`);
  const vols = Object.entries(p.volume).filter(([, v]) => v.bytes.n > 0).map(([a, v]) => `${a} ~${Math.round(Math.expm1(v.bytes.mean))} B`);
  if (vols.length > 0) lines.push(`  volume: ${vols.slice(0, top).join(', ')}`);
  lines.push(`  failures: ${(p.failRate * 100).toFixed(1)}% of calls; privileged calls from a legitimate context: ${p.privilegedLegit}`);
  const tokens = Object.keys(p.tokens);
  if (tokens.length > 0) lines.push(`  tokens: ${tokens.slice(0, top).join(', ')}${tokens.length > top ? ', …' : ''}`);
  const suppressed = Object.entries(p.suppressed).map(([c, until]) => `${c} until ${day(until)}`);
  if (suppressed.length > 0) lines.push(`  operator-marked benign: ${suppressed.join(', ')}`);
  return lines;
}
