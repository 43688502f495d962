/**
 * Hours-of-week windows in an IANA time zone, e.g. `Mon-Fri 07:00-19:00` in `Europe/Paris`.
 * Compiled at load time into a bitmap of the 10,080 minutes of a week; at evaluation the event's
 * UTC time is shifted by the zone's offset (cached per 15-minute slot, the granularity at which
 * zones change offset) and one bit is read. DST is handled by the zone database, not by us.
 */

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const MINUTES_PER_WEEK = 7 * 24 * 60;
const SLOT_MS = 15 * 60_000;

export interface CompiledWindow {
  readonly timezone: string;
  /** True when the event time falls inside one of the windows, in the window's time zone. */
  contains(timeMs: number): boolean;
  /** Local day and time of an instant, for explanations, e.g. `Sat 03:12 Europe/Paris`. */
  describe(timeMs: number): string;
}

function dayIndex(name: string): number {
  return DAYS.indexOf(name.toLowerCase().slice(0, 3) as (typeof DAYS)[number]);
}

function parseClock(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return null;
  return h * 60 + min;
}

/** Validates a time zone name; returns an error message or null. */
export function checkTimezone(tz: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return null;
  } catch {
    return `unknown time zone "${tz}" (use an IANA name such as Europe/Paris or UTC)`;
  }
}

/**
 * Marks one window (`Mon-Fri 07:00-19:00`, `Sat 10:00-14:00`, `Mon-Sun 22:00-06:00` which runs
 * past midnight into the next day, `* 00:00-24:00`). Returns an error message or null.
 */
export function markWindow(bits: Uint8Array, spec: string): string | null {
  const m = /^\s*(\*|[A-Za-z]{3})(?:\s*-\s*([A-Za-z]{3}))?\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$/.exec(spec);
  if (!m) return `window "${spec}" must look like "Mon-Fri 07:00-19:00"`;
  const [, d1 = '', d2, t1 = '', t2 = ''] = m;
  const from = d1 === '*' ? 1 : dayIndex(d1);
  const to = d1 === '*' ? 0 : d2 === undefined ? from : dayIndex(d2);
  if (from < 0 || to < 0) return `window "${spec}": unknown day (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)`;
  const start = parseClock(t1);
  const end = parseClock(t2);
  if (start === null || end === null) return `window "${spec}": times must be HH:MM between 00:00 and 24:00`;
  if (start === end) return `window "${spec}" is empty (start equals end)`;
  const length = end > start ? end - start : 24 * 60 - start + end;
  for (let d = from; ; d = (d + 1) % 7) {
    const base = d * 24 * 60 + start;
    for (let i = 0; i < length; i++) bits[(base + i) % MINUTES_PER_WEEK] = 1;
    if (d === to) break;
  }
  return null;
}

function offsetFinder(timezone: string): (timeMs: number) => number {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  let cachedSlot = NaN;
  let cachedOffset = 0;
  return (timeMs) => {
    const slot = Math.floor(timeMs / SLOT_MS);
    if (slot === cachedSlot) return cachedOffset;
    const parts: Record<string, number> = {};
    for (const p of fmt.formatToParts(slot * SLOT_MS)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const local = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0);
    cachedSlot = slot;
    cachedOffset = local - slot * SLOT_MS;
    return cachedOffset;
  };
}

/** Compiles windows; `errors` receives one message per bad window (index, message). */
export function compileWindows(timezone: string, specs: readonly string[], errors: (index: number, message: string) => void): CompiledWindow {
  const bits = new Uint8Array(MINUTES_PER_WEEK);
  specs.forEach((spec, i) => {
    const problem = markWindow(bits, spec);
    if (problem) errors(i, problem);
  });
  const offset = checkTimezone(timezone) === null ? offsetFinder(timezone) : () => 0;
  const localMinuteOfWeek = (timeMs: number): number => {
    const local = timeMs + offset(timeMs);
    const minuteOfDay = Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
    const day = new Date(local).getUTCDay();
    return day * 24 * 60 + minuteOfDay;
  };
  return {
    timezone,
    // An unreadable event time is outside every window (fail closed), never an exception.
    contains: (timeMs) => Number.isFinite(timeMs) && bits[localMinuteOfWeek(timeMs)] === 1,
    describe(timeMs) {
      if (!Number.isFinite(timeMs)) return `an unreadable event time (${timezone})`;
      const m = localMinuteOfWeek(timeMs);
      const day = DAYS[Math.floor(m / 1440)] ?? 'sun';
      const hh = String(Math.floor((m % 1440) / 60)).padStart(2, '0');
      const mm = String(m % 60).padStart(2, '0');
      return `${day[0]?.toUpperCase()}${day.slice(1)} ${hh}:${mm} ${timezone}`;
    },
  };
}
