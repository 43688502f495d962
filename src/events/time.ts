/**
 * Event-time parsing. Sources disagree (RFC 3339 with nanoseconds, epoch seconds or
 * milliseconds, `YYYY-MM-DD hh:mm:ss` with or without a zone); everything becomes an ISO 8601
 * UTC string with milliseconds. A time without a zone is read as UTC, never as the host's local
 * time, so the same record gives the same event on every machine.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,:]?(\d+))?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/;

// Epoch values below this are seconds, above it milliseconds (1e11 s is the year 5138).
const EPOCH_MS_THRESHOLD = 1e11;
const MIN_TIME = Date.UTC(1990, 0, 1);
const MAX_TIME = Date.UTC(2200, 0, 1);

function fromEpoch(n: number): number | undefined {
  if (!Number.isFinite(n) || n <= 0) return undefined;
  if (n >= 1e17) return n / 1e6; // nanoseconds
  if (n >= 1e14) return n / 1e3; // microseconds
  return n < EPOCH_MS_THRESHOLD ? n * 1000 : n;
}

// Already canonical UTC (CloudTrail, most JSON sources): Date.parse is exact and fast for it.
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;

function fromString(s: string): number | undefined {
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return fromEpoch(Number(t));
  const m = DATE_TIME.exec(t);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 60) return undefined;
  // A fraction of more than 3 digits (nanoseconds) is truncated to milliseconds; a fraction of
  // exactly 8 digits after seconds glued without a dot (seen in exports) is treated the same way.
  const ms = frac === '' ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  let utc = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(sec), ms);
  // Date.UTC rolls 30 February over into March; a calendar that does that is a bad timestamp.
  if (new Date(utc).getUTCDate() !== day) return undefined;
  if (zone && zone !== 'Z' && zone !== 'z' && zone !== 'UTC' && zone !== 'GMT') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    utc -= sign * offset * 60_000;
  }
  return utc;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Epoch ms of midnight UTC of a real proleptic Gregorian day (what `Date.parse` gives for
 * `YYYY-MM-DDT00:00:00.000Z`), or NaN for a day that is not one (month 13, 30 February): plain
 * arithmetic on the digits (days_from_civil, H. Hinnant), no string or Date made per event.
 */
function dayMs(year: number, month: number, day: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return Number.NaN;
  // Years counted from March, so that the leap day ends its year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return (era * 146_097 + dayOfEra - 719_468) * 86_400_000;
}

/** Two decimal digits at `at` of a string CANONICAL matched. */
function two(s: string, at: number): number {
  return (s.charCodeAt(at) - 48) * 10 + (s.charCodeAt(at + 1) - 48);
}

/**
 * Epoch ms of a canonical time whose day is real and whose clock fields are in their ordinary
 * ranges (hour ≤ 23, minute and second ≤ 59): exactly what `Date.parse` gives for it. Undefined
 * for anything else (an impossible day, hour 24, second 60…), which takes the general path.
 */
function canonicalMs(value: string): number | undefined {
  const hour = two(value, 11);
  const minute = two(value, 14);
  const second = two(value, 17);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const day = dayMs(two(value, 0) * 100 + two(value, 2), two(value, 5), two(value, 8));
  if (Number.isNaN(day)) return undefined;
  const millis = value.length === 24 ? two(value, 20) * 10 + (value.charCodeAt(22) - 48) : 0;
  return day + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis;
}

/** ISO string of a source timestamp, or undefined when it is missing or not a plausible time. */
export function toIsoTime(value: unknown): string | undefined {
  // Hot path: already canonical (`…:ssZ` / `…:ss.sssZ`), on a day seen before: no Date parsing.
  if (typeof value === 'string' && CANONICAL.test(value)) {
    const fast = canonicalMs(value);
    if (fast !== undefined) return fast < MIN_TIME || fast > MAX_TIME ? undefined : value.length === 24 ? value : `${value.slice(0, 19)}.000Z`;
    // No Date objects needed unless the day could have rolled over (V8 reads 30 February as 2 March).
    const ms = Date.parse(value);
    if (Number.isNaN(ms) || ms < MIN_TIME || ms > MAX_TIME) return undefined;
    if (Number(value.slice(8, 10)) > 28 && new Date(ms).getUTCDate() !== Number(value.slice(8, 10))) return undefined;
    return value.length === 24 ? value : `${value.slice(0, 19)}.000Z`;
  }
  let ms: number | undefined;
  if (typeof value === 'number') ms = fromEpoch(value);
  else if (typeof value === 'string' && value.length <= 64) ms = fromString(value);
  if (ms === undefined || !Number.isFinite(ms) || ms < MIN_TIME || ms > MAX_TIME) return undefined;
  return new Date(ms).toISOString();
}
