import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWindows } from '../../../src/policy/time-window.js';

const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/St_Johns', 'Asia/Kathmandu'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Reference: local weekday and minute straight from the zone database, no caching. */
function localOf(timeMs: number, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', hour: 'numeric', minute: 'numeric' }).formatToParts(timeMs);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { day: DAYS.indexOf(get('weekday')), minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

describe('time windows (property)', () => {
  it('agree with the zone database for any instant in 2024-2030 and any window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 11, 31) }),
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 1, max: 23 }),
        (t, zone, d1, d2, startHour, length) => {
          const from = Math.min(d1, d2);
          const to = Math.max(d1, d2);
          const endHour = startHour + length;
          if (endHour > 24) return;
          const spec = `${DAYS[from]}-${DAYS[to]} ${String(startHour).padStart(2, '0')}:00-${String(endHour).padStart(2, '0')}:00`;
          const w = compileWindows(zone, [spec], () => expect.unreachable());
          const local = localOf(t, zone);
          const expected = local.day >= from && local.day <= to && local.minute >= startHour * 60 && local.minute < endHour * 60;
          expect(w.contains(t), `${spec} ${zone} ${new Date(t).toISOString()}`).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
