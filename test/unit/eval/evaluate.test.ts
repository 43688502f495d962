import { describe, expect, it } from 'vitest';
import { averagePrecision, evaluateDetection } from '../../../src/eval/evaluate.js';
import type { Scored } from '../../../src/eval/evaluate.js';
import { averagePrecisionSorted } from '../../../src/eval/ranking.js';
import type { EventLabel } from '../../../src/simulator/generate.js';

const attack = (id: string, episode: string, kind: string, variant?: string): EventLabel => ({ eventId: id, identity: 'x', label: 'attack', episode, kind, ...(variant ? { variant } : {}) });
const benign = (id: string, drift?: string): EventLabel => ({ eventId: id, identity: 'y', label: 'benign', ...(drift ? { drift } : {}) });
const flag = (score: number, flagged = score >= 50): Scored => ({ flagged, blocked: false, score });

describe('evaluation', () => {
  it('computes average precision: 1 for a perfect ranking, lower when a benign event outranks attacks', () => {
    expect(averagePrecision([0.9, 0.8, 0.1], [true, true, false])).toBe(1);
    expect(averagePrecision([0.9, 0.95, 0.1], [true, false, true])).toBeLessThan(0.6);
    // ranks: benign 0.95, attack 0.9, benign 0.5, attack 0.1 → (1/2)(1/2) + (1/2)(2/4) = 0.5
    expect(averagePrecision([0.9, 0.95, 0.5, 0.1], [true, false, false, true])).toBeCloseTo(0.5);
    // a tie between an attack and a benign event is one threshold: precision 1/2 there
    expect(averagePrecision([0.7, 0.7], [true, false])).toBeCloseTo(0.5);
    expect(averagePrecision([1, 2], [false, false])).toBe(0);
  });

  it('ranks pre-sorted positives against pre-sorted negatives exactly as averagePrecision does', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 20; round++) {
      const scores = Array.from({ length: 40 }, () => Math.floor(rand() * 10));
      const positives = scores.map(() => rand() < 0.3);
      const pos = scores.filter((_, i) => positives[i]).sort((a, b) => b - a);
      const neg = scores.filter((_, i) => !positives[i]).sort((a, b) => b - a);
      expect(averagePrecisionSorted(pos, neg)).toBeCloseTo(averagePrecision(scores, positives), 12);
    }
  });

  it('counts an episode as caught only within its first five events, and benign false positives', () => {
    const labels: EventLabel[] = [
      ...Array.from({ length: 7 }, (_, i): EventLabel => attack(`a${i}`, 'ep-1', 'reconnaissance')),
      ...Array.from({ length: 3 }, (_, i): EventLabel => attack(`b${i}`, 'ep-2', 'exfiltration')),
      ...Array.from({ length: 90 }, (_, i): EventLabel => benign(`n${i}`, i === 0 ? 'ip-migration' : undefined)),
    ];
    const scored = labels.map((l, i) => ({ flagged: i === 5 || i === 7 || i === 10, blocked: false, score: i === 5 || i === 7 ? 90 : i === 10 ? 60 : 0 }));
    const r = evaluateDetection(labels, scored, true);
    expect(r.episodes).toBe(2);
    expect(r.recallAt5).toBe(0.5);
    expect(r.recallAny).toBe(1);
    expect(r.perKind.reconnaissance?.caughtWithin5).toBe(0);
    expect(r.perKind.reconnaissance?.recallAny).toBe(1);
    expect(r.perKind.reconnaissance?.meanEventsToDetect).toBe(6);
    expect(r.perKind.exfiltration?.meanEventsToDetect).toBe(1);
    expect(r.benignAlertRate).toBeCloseTo(1 / 90);
    expect(r.benignByDrift['ip-migration']).toEqual({ events: 1, flagged: 1, flagRate: 1 });
    expect(r.benignByDrift.routine).toEqual({ events: 89, flagged: 0, flagRate: 0 });
    expect(r.precision).toBeCloseTo(2 / 3);
    expect(r.perVariant).toEqual({});
  });

  it('gives each attack kind precision and PR-AUC one-vs-benign: its own events against all benign events', () => {
    const labels: EventLabel[] = [
      attack('r1', 'ep-r', 'recon', 'enumerate'), // 90 flagged
      attack('r2', 'ep-r', 'recon', 'enumerate'), // 40
      attack('x1', 'ep-x', 'exfil', 'bulk'), // 95 flagged
      attack('x2', 'ep-y', 'exfil', 'drip'), // 10
      benign('b1'), // 80 flagged
      benign('b2', 'new-api-call'), // 30
      benign('b3', 'new-api-call'), // 20
      benign('b4'), // 0
    ];
    const scored = [flag(90), flag(40), flag(95), flag(10), flag(80), flag(30), flag(20), flag(0)];
    const r = evaluateDetection(labels, scored, false);
    // recon: ranking 90+ 80- 40+ 30- 20- 0- → AP = (1/2)(1/1) + (1/2)(2/3) = 5/6; precision 1/(1+1)
    expect(r.perKind.recon).toMatchObject({ episodes: 1, events: 2, caughtWithin5: 1, recallAt5: 1, recallAny: 1, meanEventsToDetect: 1, precision: 0.5 });
    expect(r.perKind.recon?.prAuc).toBeCloseTo(5 / 6);
    // exfil: ranking 95+ 80- 30- 20- 10+ 0- → AP = (1/2)(1) + (1/2)(2/5) = 0.7; 2 episodes, 1 caught
    expect(r.perKind.exfil).toMatchObject({ episodes: 2, events: 2, caughtWithin5: 1, recallAt5: 0.5, recallAny: 0.5, precision: 0.5 });
    expect(r.perKind.exfil?.prAuc).toBeCloseTo(0.7);
    expect(Object.keys(r.perVariant)).toEqual(['exfil/bulk', 'exfil/drip', 'recon/enumerate']);
    expect(r.perVariant['exfil/bulk']).toMatchObject({ events: 1, precision: 0.5, prAuc: 1 });
    // drip: its one event (10) ranks below three benign events → AP = 1/4; nothing of it flagged
    expect(r.perVariant['exfil/drip']).toMatchObject({ events: 1, recallAny: 0, meanEventsToDetect: null, precision: 0 });
    expect(r.perVariant['exfil/drip']?.prAuc).toBeCloseTo(0.25);
    // overall: 2 attack + 1 benign flagged
    expect(r.precision).toBeCloseTo(2 / 3);
    expect(r.benignBlockRate).toBeNull();
    expect(r.benignByDrift['new-api-call']).toEqual({ events: 2, flagged: 0, flagRate: 0 });
    expect(r.benignByDrift.routine).toEqual({ events: 2, flagged: 1, flagRate: 0.5 });
  });

  it('has no per-kind precision when neither the kind nor any benign event was flagged', () => {
    const r = evaluateDetection([attack('a', 'ep', 'k'), benign('b')], [flag(1), flag(2)], true);
    expect(r.perKind.k?.precision).toBeNull();
    expect(r.perKind.k?.prAuc).toBeCloseTo(0.5);
  });
});
