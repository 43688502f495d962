import { describe, expect, it } from 'vitest';
import { ATTACK_VARIANTS } from '../../../src/simulator/varied/attacks.js';
import { NETWORKS } from '../../../src/simulator/varied/fleet.js';
import { simulateVaried } from '../../../src/simulator/varied/generate.js';
import type { VariedSimulation } from '../../../src/simulator/varied/generate.js';

const sims = new Map<number, VariedSimulation>();
function sim(seed: number): VariedSimulation {
  let s = sims.get(seed);
  if (!s) sims.set(seed, (s = simulateVaried({ seed, days: 14, fleet: 30 })));
  return s;
}

describe('varied scenario', () => {
  it('is deterministic per seed and different across seeds', () => {
    const a = simulateVaried({ seed: 5, days: 7, fleet: 12 });
    const b = simulateVaried({ seed: 5, days: 7, fleet: 12 });
    const c = simulateVaried({ seed: 6, days: 7, fleet: 12 });
    expect(JSON.stringify(a.events)).toBe(JSON.stringify(b.events));
    expect(JSON.stringify(a.labels)).toBe(JSON.stringify(b.labels));
    expect(JSON.stringify(a.events)).not.toBe(JSON.stringify(c.events));
  });

  it('labels every event in time order with unique ids, and draws every attack variant with kind and variant', () => {
    const s = sim(1);
    expect(s.labels.map((l) => l.eventId)).toEqual(s.events.map((e) => e.id));
    expect(new Set(s.events.map((e) => e.id)).size).toBe(s.events.length);
    for (let i = 1; i < s.events.length; i++) expect(s.events[i]!.time >= s.events[i - 1]!.time).toBe(true);
    const seen = new Set(s.labels.filter((l) => l.label === 'attack').map((l) => `${l.kind}/${l.variant}`));
    for (const v of ATTACK_VARIANTS) expect(seen, `${v.kind}/${v.variant}`).toContain(`${v.kind}/${v.variant}`);
    for (const l of s.labels.filter((x) => x.label === 'attack')) {
      expect(l.episode).toMatch(/^ep-\d{3}$/);
      expect(l.kind).toBeTruthy();
      expect(l.variant).toBeTruthy();
      expect(l.drift).toBeUndefined();
    }
    for (const ep of s.episodes) expect(ep.variant).toBeTruthy();
  });

  it('randomises each variant: parameters differ between episodes and seeds', () => {
    const sizes = (seed: number, variant: string): number[] => sim(seed).episodes.filter((e) => e.variant === variant).map((e) => e.events);
    for (const v of ['many-small-reads', 'select-drip', 'quiet-unusual-reads', 'inside-network']) {
      const all = [...sizes(1, v), ...sizes(2, v), ...sizes(3, v)];
      expect(new Set(all).size, v).toBeGreaterThan(1);
    }
  });

  it('draws no attacker value that benign events never use: user agents and ASNs come from the fleet', () => {
    const s = sim(2);
    const benignUa = new Set(s.events.filter((_, i) => s.labels[i]!.label === 'benign').map((e) => e.source?.userAgent));
    const asns = new Set(NETWORKS.map((n) => n.asn));
    s.events.forEach((e, i) => {
      if (s.labels[i]!.label !== 'attack') return;
      expect(benignUa).toContain(e.source?.userAgent);
      expect(asns).toContain(e.source?.asn);
    });
  });

  it('inside-network and off-hours attacks keep the identity usual network and user agent', () => {
    const s = sim(1);
    const home = new Map<string, { asn: Set<string>; ua: Set<string> }>();
    s.events.forEach((e, i) => {
      if (s.labels[i]!.label !== 'benign') return;
      const h = home.get(e.identity.id) ?? { asn: new Set(), ua: new Set() };
      h.asn.add(e.source?.asn ?? '');
      h.ua.add(e.source?.userAgent ?? '');
      home.set(e.identity.id, h);
    });
    s.events.forEach((e, i) => {
      const l = s.labels[i]!;
      if (l.variant !== 'inside-network' && l.variant !== 'routine-at-wrong-hour') return;
      expect(home.get(e.identity.id)?.asn).toContain(e.source?.asn);
      expect(home.get(e.identity.id)?.ua).toContain(e.source?.userAgent);
    });
  });

  it('many small reads: hundreds of reads, each small, over tens of minutes', () => {
    const s = sim(1);
    const reads = s.events.filter((_, i) => s.labels[i]!.variant === 'many-small-reads');
    expect(reads.length).toBeGreaterThanOrEqual(150);
    for (const e of reads) expect(e.bytes ?? 0).toBeLessThan(10_000_000);
    const span = Date.parse(reads.at(-1)!.time) - Date.parse(reads[0]!.time);
    expect(span).toBeGreaterThan(10 * 60_000);
  });

  it('a role created by another identity is part of the episode: CreateRole by the creator, then the new role acts', () => {
    const s = sim(1);
    const idx = s.labels.map((l, i) => (l.variant === 'role-created-then-used' ? i : -1)).filter((i) => i >= 0);
    const create = s.events[idx[0]!]!;
    expect(create.action).toBe('iam:CreateRole');
    const request = create.attributes?.request as { roleName: string };
    expect(create.resource).toBe(`arn:aws:iam::${s.account}:role/${request.roleName}`);
    const byRole = idx.map((i) => s.events[i]!).filter((e) => e.identity.id === create.resource);
    expect(byRole.length).toBeGreaterThan(0);
    expect(Date.parse(byRole[0]!.time)).toBeGreaterThan(Date.parse(create.time));
    // The role exists only for the attack: no benign event of it.
    expect(s.events.some((e, i) => e.identity.id === create.resource && s.labels[i]!.label === 'benign')).toBe(false);
  });

  it('privilege escalation puts the request in attributes.request the way CloudTrail requestParameters look', () => {
    const s = sim(1);
    const find = (variant: string): Record<string, unknown>[] => s.events.filter((_, i) => s.labels[i]!.variant === variant).map((e) => (e.attributes?.request ?? {}) as Record<string, unknown>);
    expect(find('attach-admin-policy')).toContainEqual(expect.objectContaining({ policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess', roleName: expect.any(String) }));
    expect(find('access-key-for-other-user')).toContainEqual({ userName: expect.any(String) });
    expect(find('k8s-cluster-admin-binding')).toContainEqual(expect.objectContaining({ roleRef: expect.objectContaining({ name: 'cluster-admin' }) }));
    expect(find('github-branch-protection-removed')).toContainEqual(expect.objectContaining({ branch: expect.any(String) }));
  });

  it('an early attack happens within its identity learning period (first three days of activity)', () => {
    const s = sim(1);
    const first = new Map<string, number>();
    for (const e of s.events) if (!first.has(e.identity.id)) first.set(e.identity.id, Date.parse(e.time));
    s.events.forEach((e, i) => {
      if (s.labels[i]!.variant !== 'new-identity-abused-early') return;
      expect(Date.parse(e.time) - first.get(e.identity.id)!).toBeLessThan(3 * 86_400_000);
    });
  });

  it('labels benign drift as benign with a drift field, covering the alarming-but-legitimate changes', () => {
    const kinds = new Set<string>();
    for (const seed of [1, 2, 3]) {
      const s = sim(seed);
      for (const l of s.labels) {
        if (!l.drift) continue;
        expect(l.label).toBe('benign');
        kinds.add(l.drift);
      }
    }
    for (const k of ['new-service-adoption', 'new-runner-network', 'new-identity', 'monthly-batch', 'token-rotation']) expect(kinds, k).toContain(k);
  });
});
