import { describe, expect, it } from 'vitest';
import { toIsoTime } from '../../../src/events/time.js';

/** What toIsoTime gave for a canonical UTC time before its per-day shortcut: Date.parse and the checks. */
function reference(value: string): string | undefined {
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms < Date.UTC(1990, 0, 1) || ms > Date.UTC(2200, 0, 1)) return undefined;
  if (Number(value.slice(8, 10)) > 28 && new Date(ms).getUTCDate() !== Number(value.slice(8, 10))) return undefined;
  return value.length === 24 ? value : `${value.slice(0, 19)}.000Z`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

describe('toIsoTime on canonical UTC times', () => {
  it('gives what Date.parse and the calendar checks give, for ordinary and out-of-range fields alike', () => {
    // A deterministic walk over years at the range edges, every month value 00–13, days 00–32,
    // hours 00–25, minutes and seconds up to 61, with and without milliseconds.
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const years = [1969, 1989, 1990, 1991, 2000, 2024, 2026, 2100, 2199, 2200, 2201];
    let checked = 0;
    for (const year of years) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const hour = next(26);
          const minute = next(62);
          const second = next(62);
          const base = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}`;
          for (const value of [`${base}Z`, `${base}.${pad(next(1000), 3)}Z`, `${pad(year, 4)}-${pad(month)}-${pad(day)}T00:00:00.000Z`, `${pad(year, 4)}-${pad(month)}-${pad(day)}T23:59:59.999Z`]) {
            expect(toIsoTime(value), value).toBe(reference(value));
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(years.length * 14 * 33 * 4);
  });

  it('keeps the range edges, leap days and impossible days', () => {
    expect(toIsoTime('1990-01-01T00:00:00Z')).toBe('1990-01-01T00:00:00.000Z');
    expect(toIsoTime('1989-12-31T23:59:59.999Z')).toBeUndefined();
    expect(toIsoTime('2200-01-01T00:00:00.000Z')).toBe('2200-01-01T00:00:00.000Z');
    expect(toIsoTime('2200-01-01T00:00:00.001Z')).toBeUndefined();
    expect(toIsoTime('2024-02-29T12:00:00Z')).toBe('2024-02-29T12:00:00.000Z');
    expect(toIsoTime('2026-02-29T12:00:00Z')).toBeUndefined();
    expect(toIsoTime('2026-04-31T12:00:00.123Z')).toBeUndefined();
    expect(toIsoTime('2026-11-02T07:08:09.475Z')).toBe('2026-11-02T07:08:09.475Z');
    // Seen again (from the per-day memo), the same answers.
    expect(toIsoTime('2026-02-29T13:00:00Z')).toBeUndefined();
    expect(toIsoTime('2024-02-29T13:00:00Z')).toBe('2024-02-29T13:00:00.000Z');
  });
});
