import { describe, expect, it } from 'vitest';
import { averagePrecision, evaluateDetection } from '../../../src/eval/evaluate.js';
import type { EventLabel } from '../../../src/simulator/generate.js';

describe('evaluation', () => {
  it('computes average precision: 1 for a perfect ranking, lower when a benign event outranks attacks', () => {
    expect(averagePrecision([0.9, 0.8, 0.1], [true, true, false])).toBe(1);
    expect(averagePrecision([0.9, 0.95, 0.1], [true, false, true])).toBeLessThan(0.6);
  });

  it('counts an episode as caught only within its first five events, and benign false positives', () => {
    const labels: EventLabel[] = [
      ...Array.from({ length: 7 }, (_, i): EventLabel => ({ eventId: `a${i}`, identity: 'x', label: 'attack', episode: 'ep-1', kind: 'reconnaissance' })),
      ...Array.from({ length: 3 }, (_, i): EventLabel => ({ eventId: `b${i}`, identity: 'y', label: 'attack', episode: 'ep-2', kind: 'exfiltration' })),
      ...Array.from({ length: 90 }, (_, i): EventLabel => ({ eventId: `n${i}`, identity: 'z', label: 'benign', ...(i === 0 ? { drift: 'ip-migration' as const } : {}) })),
    ];
    const scored = labels.map((l, i) => ({ flagged: i === 5 || i === 7 || i === 10, blocked: false, score: i === 5 || i === 7 ? 90 : i === 10 ? 60 : 0 }));
    const r = evaluateDetection(labels, scored, true);
    expect(r.episodes).toBe(2);
    expect(r.recallAt5).toBe(0.5);
    expect(r.recallAny).toBe(1);
    expect(r.perKind.reconnaissance?.caughtWithin5).toBe(0);
    expect(r.perKind.exfiltration?.meanEventsToDetect).toBe(1);
    expect(r.benignAlertRate).toBeCloseTo(1 / 90);
    expect(r.falsePositivesByDrift).toEqual({ 'ip-migration': 1 });
    expect(r.precision).toBeCloseTo(2 / 3);
  });
});
