import { describe, expect, it } from 'vitest';
import { compileWindows } from '../../../src/policy/time-window.js';

function win(timezone: string, ...specs: string[]) {
  const errors: string[] = [];
  const w = compileWindows(timezone, specs, (_i, m) => errors.push(m));
  expect(errors).toEqual([]);
  return (iso: string) => w.contains(Date.parse(iso));
}

describe('time windows', () => {
  it('reads hours in the window time zone, not UTC', () => {
    const paris = win('Europe/Paris', 'Mon-Fri 07:00-20:00');
    expect(paris('2026-11-25T06:30:00Z')).toBe(true); // 07:30 in Paris (UTC+1)
    expect(paris('2026-11-25T05:59:00Z')).toBe(false); // 06:59 in Paris
    expect(paris('2026-11-25T19:00:00Z')).toBe(false); // 20:00 in Paris, end is exclusive
    expect(paris('2026-11-28T10:00:00Z')).toBe(false); // Saturday
  });

  it('follows daylight saving time transitions (Europe/Paris, last Sunday of March and October)', () => {
    const paris = win('Europe/Paris', 'Mon-Fri 07:00-20:00');
    // Friday 27 March 2026 (UTC+1) and Monday 30 March 2026 (UTC+2): 07:30 local each time.
    expect(paris('2026-03-27T06:30:00Z')).toBe(true);
    expect(paris('2026-03-30T05:30:00Z')).toBe(true);
    expect(paris('2026-03-30T04:30:00Z')).toBe(false); // 06:30 local in summer time
    // Monday 26 October 2026 is back on UTC+1.
    expect(paris('2026-10-26T05:30:00Z')).toBe(false);
    expect(paris('2026-10-26T06:30:00Z')).toBe(true);
  });

  it('handles the southern hemisphere and half-hour zones', () => {
    const sydney = win('Australia/Sydney', 'Mon-Fri 09:00-17:00');
    expect(sydney('2026-11-24T22:30:00Z')).toBe(true); // Wed 09:30 AEDT (UTC+11)
    expect(sydney('2026-07-21T22:30:00Z')).toBe(false); // Wed 08:30 AEST (UTC+10)
    const india = win('Asia/Kolkata', 'Mon-Fri 09:00-18:00');
    expect(india('2026-11-25T03:30:00Z')).toBe(true); // 09:00 IST
    expect(india('2026-11-25T03:29:00Z')).toBe(false);
  });

  it('windows can cross midnight, cover all days with *, and end at 24:00', () => {
    const night = win('UTC', 'Fri 22:00-06:00');
    expect(night('2026-11-27T23:00:00Z')).toBe(true); // Friday night
    expect(night('2026-11-28T05:59:00Z')).toBe(true); // Saturday early morning belongs to Friday's window
    expect(night('2026-11-28T06:00:00Z')).toBe(false);
    expect(night('2026-11-26T23:00:00Z')).toBe(false); // Thursday night
    const always = win('UTC', '* 00:00-24:00');
    expect(always('2026-11-29T12:34:00Z')).toBe(true);
    const weekend = win('America/New_York', 'Sat-Sun 10:00-14:00');
    expect(weekend('2026-11-29T16:00:00Z')).toBe(true); // Sunday 11:00 EST
    expect(weekend('2026-11-30T16:00:00Z')).toBe(false); // Monday
  });

  it('rejects malformed windows with a message that shows the expected form', () => {
    const errors: string[] = [];
    compileWindows('UTC', ['Mon-Fri 9-17', 'Mon-Fro 09:00-17:00', 'Mon 25:00-26:00', 'Mon 09:00-09:00'], (_i, m) => errors.push(m));
    expect(errors).toHaveLength(4);
    expect(errors[0]).toContain('Mon-Fri 07:00-19:00');
    expect(errors[1]).toContain('unknown day');
  });
});
