import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/simulator/generate.js';
import { ATTACK_KINDS } from '../../../src/simulator/episodes.js';

describe('simulator', () => {
  it('is deterministic per seed and different across seeds', () => {
    const a = simulate({ seed: 5, days: 7, fleet: 12 });
    const b = simulate({ seed: 5, days: 7, fleet: 12 });
    const c = simulate({ seed: 6, days: 7, fleet: 12 });
    expect(JSON.stringify(a.events)).toBe(JSON.stringify(b.events));
    expect(JSON.stringify(a.events)).not.toBe(JSON.stringify(c.events));
  });

  it('labels every event, orders events by time and covers every attack kind', () => {
    const s = simulate({ seed: 1, days: 10, fleet: 12 });
    expect(s.labels.map((l) => l.eventId)).toEqual(s.events.map((e) => e.id));
    for (let i = 1; i < s.events.length; i++) expect(s.events[i]!.time >= s.events[i - 1]!.time).toBe(true);
    expect(new Set(s.episodes.map((e) => e.kind))).toEqual(new Set(ATTACK_KINDS));
    expect(new Set(s.identities.map((i) => i.kind)).size).toBe(6);
    // Attacks start after the identities' learning period.
    const firstAttack = s.labels.findIndex((l) => l.label === 'attack');
    expect(Date.parse(s.events[firstAttack]!.time) - Date.parse(s.events[0]!.time)).toBeGreaterThan(4 * 86_400_000);
  });
});
