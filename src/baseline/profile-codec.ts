/**
 * A compact, lossless binary encoding of an identity profile, split into sections (one Redis hash
 * field each) so that a store can write only the sections a batch changed.
 *
 * Numbers: an integer up to 2^50 in magnitude is a zigzag varint (1–7 bytes), anything else
 * (fractions, -0, NaN, ±Infinity, larger values) the 8 bytes of its float64, so decoding gives
 * back exactly the number that was encoded. Event times inside a section are written as deltas
 * from the previous time of the same section when all of them are integers. A section whose
 * encoding equals that of its empty value is left out (`encodeProfile` omits it and
 * `decodeProfile` fills it in), and keys of the profile this codec does not know travel as JSON
 * in a field of their own, so a field added to `IdentityProfile` is never dropped silently.
 */
import type { AggregateKey, HourAggregate, IdentityProfile, MeanVar, ValueMap, ValueStats } from './profile.js';
import { AGGREGATE_KEYS, DIMENSIONS, emptyValueMap } from './profile.js';

/** Raised for bytes that are not a section of this codec (the store maps it to a typed error). */
export class ProfileDecodeError extends Error {}

const FORMAT = 1;
const DAY_MS = 86_400_000;
const FLOAT = 1;
const INT_LIMIT = 2 ** 50;

/** One scratch buffer for every section written (encoding is synchronous); grown when needed. */
let scratch = Buffer.allocUnsafeSlow(64 * 1024);

class Writer {
  private buf = scratch;
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    scratch = next;
  }

  /** Unsigned varint of a non-negative integer up to 2^53. */
  uint(n: number): void {
    this.room(8);
    while (n >= 128) {
      this.buf[this.pos++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  num(x: number): void {
    if (Number.isInteger(x) && Math.abs(x) <= INT_LIMIT && !Object.is(x, -0)) {
      // Even tags are integers (zigzag, so small negatives stay short); the tag 1 is a float64.
      this.uint((x >= 0 ? x * 2 : -x * 2 - 1) * 2);
      return;
    }
    this.uint(FLOAT);
    this.room(8);
    this.buf.writeDoubleLE(x, this.pos);
    this.pos += 8;
  }

  /** Length (+ `bias`) as a varint, then the UTF-8 bytes: written in place, moved only when long. */
  private text(s: string, bias: number): void {
    this.room(s.length * 3 + 10);
    const at = this.pos;
    const n = this.buf.write(s, at + 1, 'utf8');
    const len = n + bias;
    if (len < 128) {
      this.buf[at] = len;
      this.pos = at + 1 + n;
      return;
    }
    const bytes = Buffer.from(this.buf.subarray(at + 1, at + 1 + n));
    this.pos = at;
    this.uint(len);
    this.room(n);
    bytes.copy(this.buf, this.pos);
    this.pos += n;
  }

  str(s: string): void {
    this.text(s, 0);
  }

  /** A string or null: 0 for null, length + 1 otherwise. */
  optStr(s: string | null | undefined): void {
    if (s === null || s === undefined) this.uint(0);
    else this.text(s, 1);
  }

  done(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new ProfileDecodeError('section ends early');
  }

  uint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      n += (b & 127) * scale;
      if (b < 128) return n;
      scale *= 128;
      if (scale > 2 ** 56) throw new ProfileDecodeError('varint too long');
    }
  }

  num(): number {
    const tag = this.uint();
    if (tag === FLOAT) {
      this.need(8);
      const x = this.buf.readDoubleLE(this.pos);
      this.pos += 8;
      return x;
    }
    if (tag % 2 !== 0) throw new ProfileDecodeError(`bad number tag ${tag}`);
    const z = tag / 2;
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  str(): string {
    const n = this.uint();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  optStr(): string | null {
    const n = this.uint();
    if (n === 0) return null;
    this.need(n - 1);
    const s = this.buf.toString('utf8', this.pos, this.pos + n - 1);
    this.pos += n - 1;
    return s;
  }

  end(): void {
    if (this.pos !== this.buf.length) throw new ProfileDecodeError(`${this.buf.length - this.pos} bytes left over`);
  }
}

function start(): Writer {
  const w = new Writer();
  w.uint(FORMAT);
  return w;
}

function open(buf: Buffer): Reader {
  const r = new Reader(buf);
  const format = r.uint();
  if (format !== FORMAT) throw new ProfileDecodeError(`unknown section format ${format}`);
  return r;
}

/** Times written as deltas only when every one of them is an integer (exact arithmetic). */
function allIntegers(values: Iterable<number>): boolean {
  for (const v of values) if (!Number.isSafeInteger(v)) return false;
  return true;
}

function meanVar(w: Writer, m: MeanVar): void {
  w.num(m.mean);
  w.num(m.var);
  w.num(m.n);
}

function readMeanVar(r: Reader): MeanVar {
  return { mean: r.num(), var: r.num(), n: r.num() };
}

/** Bounded lists of event times (failures, novel), delta-coded when integral. */
function encodeTimes(list: readonly number[]): Buffer {
  const w = start();
  const delta = allIntegers(list);
  w.uint(delta ? 1 : 0);
  w.uint(list.length);
  let prev = 0;
  for (const t of list) {
    w.num(delta ? t - prev : t);
    prev = t;
  }
  return w.done();
}

function decodeTimes(buf: Buffer): number[] {
  const r = open(buf);
  const delta = r.uint() === 1;
  const n = r.uint();
  const out = new Array<number>(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const v = r.num();
    out[i] = delta ? prev + v : v;
    prev = out[i]!;
  }
  r.end();
  return out;
}

function encodeValueMap(map: ValueMap): Buffer {
  const w = start();
  const entries = Object.entries(map.entries);
  let delta = true;
  for (const [, e] of entries) {
    if (!Number.isSafeInteger(e.first) || !Number.isSafeInteger(e.last) || !Number.isSafeInteger(e.lastDay)) {
      delta = false;
      break;
    }
  }
  w.uint((map.ones !== undefined ? 1 : 0) | (map.obs !== undefined ? 2 : 0) | (delta ? 4 : 0));
  w.num(map.newRate);
  w.num(map.size);
  if (map.ones !== undefined) w.num(map.ones);
  if (map.obs !== undefined) w.num(map.obs);
  w.uint(entries.length);
  let prev = 0;
  for (const [value, e] of entries) {
    w.str(value);
    w.num(e.legit);
    w.num(e.n);
    w.num(e.days);
    if (delta) {
      // Each entry's first sighting from the previous entry's, its latest from its first, and its
      // latest day from the day of its latest sighting (usually 0).
      w.num(e.first - prev);
      w.num(e.last - e.first);
      w.num(e.lastDay - Math.floor(e.last / DAY_MS));
      prev = e.first;
    } else {
      w.num(e.first);
      w.num(e.last);
      w.num(e.lastDay);
    }
  }
  return w.done();
}

function decodeValueMap(buf: Buffer): ValueMap {
  const r = open(buf);
  const flags = r.uint();
  const map: ValueMap = { entries: {}, size: 0, newRate: r.num() };
  map.size = r.num();
  if (flags & 1) map.ones = r.num();
  if (flags & 2) map.obs = r.num();
  const delta = (flags & 4) !== 0;
  const n = r.uint();
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const value = r.str();
    const legit = r.num();
    const count = r.num();
    const days = r.num();
    let first: number;
    let last: number;
    let lastDay: number;
    if (delta) {
      first = prev + r.num();
      last = first + r.num();
      lastDay = Math.floor(last / DAY_MS) + r.num();
      prev = first;
    } else {
      first = r.num();
      last = r.num();
      lastDay = r.num();
    }
    const stats: ValueStats = { legit, n: count, first, last, days, lastDay };
    map.entries[value] = stats;
  }
  r.end();
  // Rebuilt in the profile's own key order (emptyValueMap's), whatever the flags say.
  const out: ValueMap = { entries: map.entries, size: map.size, newRate: map.newRate };
  if (map.ones !== undefined) out.ones = map.ones;
  if (map.obs !== undefined) out.obs = map.obs;
  return out;
}

function encodeHours(p: IdentityProfile): Buffer {
  const w = start();
  w.num(p.hoursTotal);
  w.num(p.hoursDecayedAt);
  w.uint(p.hours.length);
  for (const h of p.hours) w.num(h);
  return w.done();
}

function decodeHours(buf: Buffer): Pick<IdentityProfile, 'hours' | 'hoursTotal' | 'hoursDecayedAt'> {
  const r = open(buf);
  const hoursTotal = r.num();
  const hoursDecayedAt = r.num();
  const n = r.uint();
  const hours = new Array<number>(n);
  for (let i = 0; i < n; i++) hours[i] = r.num();
  r.end();
  return { hours, hoursTotal, hoursDecayedAt };
}

/** The count-min sketch is mostly zeros: its length, then (gap, count) for each non-zero cell. */
function encodeSketch(cells: readonly number[]): Buffer {
  const w = start();
  w.uint(cells.length);
  let nonZero = 0;
  for (const c of cells) if (!Object.is(c, 0)) nonZero++;
  w.uint(nonZero);
  let prev = -1;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (Object.is(c, 0)) continue;
    w.uint(i - prev - 1);
    w.num(c);
    prev = i;
  }
  return w.done();
}

function decodeSketch(buf: Buffer): number[] {
  const r = open(buf);
  const cells = new Array<number>(r.uint()).fill(0);
  const nonZero = r.uint();
  let i = -1;
  for (let k = 0; k < nonZero; k++) {
    i += r.uint() + 1;
    if (i >= cells.length) throw new ProfileDecodeError('sketch cell out of range');
    cells[i] = r.num();
  }
  r.end();
  return cells;
}

function encodeScalars(p: IdentityProfile): Buffer {
  const w = start();
  w.uint(p.v);
  w.str(p.identity);
  w.num(p.firstSeen);
  w.num(p.lastSeen);
  w.num(p.rate.window);
  w.num(p.rate.count);
  meanVar(w, p.rate);
  w.num(p.failRate);
  w.num(p.deniedRun);
  w.num(p.deniedAt);
  w.optStr(p.prevAction);
  w.num(p.privilegedLegit);
  return w.done();
}

type Scalars = Pick<IdentityProfile, 'v' | 'identity' | 'firstSeen' | 'lastSeen' | 'rate' | 'failRate' | 'deniedRun' | 'deniedAt' | 'prevAction' | 'privilegedLegit'>;

function decodeScalars(buf: Buffer): Scalars {
  const r = open(buf);
  const v = r.uint();
  if (v !== 1) throw new ProfileDecodeError(`unknown profile version ${v}`);
  const identity = r.str();
  const firstSeen = r.num();
  const lastSeen = r.num();
  const window = r.num();
  const count = r.num();
  const mv = readMeanVar(r);
  const out: Scalars = { v: 1, identity, firstSeen, lastSeen, rate: { window, count, ...mv }, failRate: r.num(), deniedRun: r.num(), deniedAt: r.num(), prevAction: r.optStr(), privilegedLegit: r.num() };
  r.end();
  return out;
}

/** The current hour's totals, the hourly distributions and the slow-and-low sum (each optional). */
function encodeActivity(p: IdentityProfile): Buffer {
  const w = start();
  const agg = p.hourAgg;
  w.uint((agg ? 1 : 0) | (agg?.reported !== undefined ? 2 : 0) | (p.hourly ? 4 : 0) | (p.risk ? 8 : 0));
  if (agg) {
    w.num(agg.hour);
    for (const k of AGGREGATE_KEYS) w.num(agg[k]);
    if (agg.reported !== undefined) w.num(agg.reported);
  }
  if (p.hourly) for (const k of AGGREGATE_KEYS) meanVar(w, p.hourly[k]);
  if (p.risk) {
    w.num(p.risk.acc);
    w.num(p.risk.at);
    meanVar(w, p.risk);
  }
  return w.done();
}

function decodeActivity(buf: Buffer): Pick<IdentityProfile, 'hourAgg' | 'hourly' | 'risk'> {
  const r = open(buf);
  const flags = r.uint();
  const out: Pick<IdentityProfile, 'hourAgg' | 'hourly' | 'risk'> = {};
  if (flags & 1) {
    const agg = { hour: r.num() } as HourAggregate;
    for (const k of AGGREGATE_KEYS) agg[k] = r.num();
    if (flags & 2) agg.reported = r.num();
    out.hourAgg = agg;
  }
  if (flags & 4) {
    const hourly = {} as Record<AggregateKey, MeanVar>;
    for (const k of AGGREGATE_KEYS) hourly[k] = readMeanVar(r);
    out.hourly = hourly;
  }
  if (flags & 8) {
    const acc = r.num();
    const at = r.num();
    out.risk = { acc, at, ...readMeanVar(r) };
  }
  r.end();
  return out;
}

function encodeVolume(volume: IdentityProfile['volume']): Buffer {
  const w = start();
  const entries = Object.entries(volume);
  w.uint(entries.length);
  for (const [action, v] of entries) {
    w.str(action);
    meanVar(w, v.bytes);
    meanVar(w, v.rows);
  }
  return w.done();
}

function decodeVolume(buf: Buffer): IdentityProfile['volume'] {
  const r = open(buf);
  const out: IdentityProfile['volume'] = {};
  const n = r.uint();
  for (let i = 0; i < n; i++) {
    const action = r.str();
    out[action] = { bytes: readMeanVar(r), rows: readMeanVar(r) };
  }
  r.end();
  return out;
}

type TokenUse = IdentityProfile['tokens'][string];

function encodeTokens(tokens: IdentityProfile['tokens']): Buffer {
  const w = start();
  const entries = Object.entries(tokens);
  w.uint(entries.length);
  for (const [token, u] of entries) {
    w.str(token);
    w.optStr(u.net);
    w.optStr(u.asn);
    w.optStr(u.country);
    w.optStr(u.region);
    w.num(u.at);
    // Each optional field: 0 absent, 1 null, 2 + value.
    for (const s of [u.src, u.prev]) {
      if (s === undefined) w.uint(0);
      else if (s === null) w.uint(1);
      else {
        w.uint(2);
        w.str(s);
      }
    }
    w.uint(u.alt === undefined ? 0 : 1);
    if (u.alt !== undefined) w.num(u.alt);
  }
  return w.done();
}

function decodeTokens(buf: Buffer): IdentityProfile['tokens'] {
  const r = open(buf);
  const out: IdentityProfile['tokens'] = {};
  const n = r.uint();
  const optional = (): string | null | undefined => {
    const tag = r.uint();
    return tag === 0 ? undefined : tag === 1 ? null : r.str();
  };
  for (let i = 0; i < n; i++) {
    const token = r.str();
    const use: TokenUse = { net: r.optStr(), asn: r.optStr(), country: r.optStr(), region: r.optStr(), at: r.num() };
    const src = optional();
    const prev = optional();
    if (src !== undefined) use.src = src;
    if (prev !== undefined) use.prev = prev;
    if (r.uint() === 1) use.alt = r.num();
    out[token] = use;
  }
  r.end();
  return out;
}

/** Rarely changed, rarely present: operator suppressions, creation record, peer members (JSON). */
type Other = Pick<IdentityProfile, 'suppressed' | 'createdBy' | 'createdAt' | 'members'>;

function encodeOther(p: IdentityProfile): Buffer {
  const o: Other = { suppressed: p.suppressed, createdBy: p.createdBy, createdAt: p.createdAt, members: p.members };
  const w = start();
  w.str(JSON.stringify(o));
  return w.done();
}

function decodeOther(buf: Buffer): Other {
  const r = open(buf);
  const text = r.str();
  r.end();
  try {
    return JSON.parse(text) as Other;
  } catch (err) {
    throw new ProfileDecodeError(`bad JSON section: ${(err as Error).message}`);
  }
}

/** The hash field of each section. `#` and `@` start the store's own fields (version, watermarks). */
export const SECTION = {
  scalars: 's',
  hours: 'h',
  transitions: 'x',
  activity: 'a',
  volume: 'vol',
  tokens: 'tok',
  failures: 'f',
  novel: 'n',
  other: 'o',
  map: (d: string): string => `m:${d}`,
  json: (key: string): string => `j:${key}`,
} as const;

/** Every top-level key this codec writes in a section of its own; any other key goes as JSON. */
const KNOWN: ReadonlySet<string> = new Set<keyof IdentityProfile>([
  'v',
  'identity',
  'firstSeen',
  'lastSeen',
  'events',
  'maps',
  'hours',
  'hoursTotal',
  'hoursDecayedAt',
  'rate',
  'volume',
  'failRate',
  'failures',
  'deniedRun',
  'deniedAt',
  'novel',
  'prevAction',
  'transitions',
  'tokens',
  'privilegedLegit',
  'suppressed',
  'hourAgg',
  'hourly',
  'risk',
  'createdBy',
  'createdAt',
  'members',
]);

/** Encodings of empty sections, left out of the hash. */
const EMPTY: ReadonlyMap<string, Buffer> = (() => {
  const m = new Map<string, Buffer>();
  const empty = encodeValueMap(emptyValueMap());
  for (const d of DIMENSIONS) m.set(SECTION.map(d), empty);
  m.set(SECTION.volume, encodeVolume({}));
  m.set(SECTION.tokens, encodeTokens({}));
  m.set(SECTION.failures, encodeTimes([]));
  m.set(SECTION.novel, encodeTimes([]));
  m.set(SECTION.other, encodeOther({ suppressed: {} } as IdentityProfile));
  m.set(SECTION.activity, encodeActivity({} as IdentityProfile));
  return m;
})();

/**
 * The profile's sections, field → bytes, without the event count (the store keeps it as a counter
 * of its own) and without the sections that are empty.
 */
export function encodeProfile(p: IdentityProfile): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const put = (field: string, bytes: Buffer): void => {
    const empty = EMPTY.get(field);
    if (!empty || !empty.equals(bytes)) out.set(field, bytes);
  };
  put(SECTION.scalars, encodeScalars(p));
  put(SECTION.hours, encodeHours(p));
  put(SECTION.transitions, encodeSketch(p.transitions));
  put(SECTION.activity, encodeActivity(p));
  put(SECTION.volume, encodeVolume(p.volume));
  put(SECTION.tokens, encodeTokens(p.tokens));
  put(SECTION.failures, encodeTimes(p.failures));
  put(SECTION.novel, encodeTimes(p.novel));
  put(SECTION.other, encodeOther(p));
  for (const d of DIMENSIONS) put(SECTION.map(d), encodeValueMap(p.maps[d]));
  for (const key of Object.keys(p)) {
    if (KNOWN.has(key)) continue;
    const value = (p as unknown as Record<string, unknown>)[key];
    if (value !== undefined) {
      const w = start();
      w.str(JSON.stringify(value));
      out.set(SECTION.json(key), w.done());
    }
  }
  return out;
}

/** Is this hash field a section of the profile (not one of the store's own fields)? */
export function isSectionField(field: string): boolean {
  return !field.startsWith('#') && !field.startsWith('@');
}

/** Rebuilds the profile from its sections (as `encodeProfile` gave them) and its event count. */
export function decodeProfile(sections: ReadonlyMap<string, Buffer>, events: number): IdentityProfile {
  const section = (field: string): Buffer => {
    const b = sections.get(field) ?? EMPTY.get(field);
    if (!b) throw new ProfileDecodeError(`section ${field} is missing`);
    return b;
  };
  const scalars = decodeScalars(section(SECTION.scalars));
  const hours = decodeHours(section(SECTION.hours));
  const maps = {} as IdentityProfile['maps'];
  for (const d of DIMENSIONS) maps[d] = decodeValueMap(section(SECTION.map(d)));
  const activity = decodeActivity(section(SECTION.activity));
  const other = decodeOther(section(SECTION.other));
  const p: IdentityProfile = {
    v: scalars.v,
    identity: scalars.identity,
    firstSeen: scalars.firstSeen,
    lastSeen: scalars.lastSeen,
    events,
    maps,
    hours: hours.hours,
    hoursTotal: hours.hoursTotal,
    hoursDecayedAt: hours.hoursDecayedAt,
    rate: scalars.rate,
    volume: decodeVolume(section(SECTION.volume)),
    failRate: scalars.failRate,
    failures: decodeTimes(section(SECTION.failures)),
    deniedRun: scalars.deniedRun,
    deniedAt: scalars.deniedAt,
    novel: decodeTimes(section(SECTION.novel)),
    prevAction: scalars.prevAction,
    transitions: decodeSketch(section(SECTION.transitions)),
    tokens: decodeTokens(section(SECTION.tokens)),
    privilegedLegit: scalars.privilegedLegit,
    suppressed: other.suppressed,
  };
  if (activity.hourAgg) p.hourAgg = activity.hourAgg;
  if (activity.hourly) p.hourly = activity.hourly;
  if (activity.risk) p.risk = activity.risk;
  if (other.createdBy !== undefined) p.createdBy = other.createdBy;
  if (other.createdAt !== undefined) p.createdAt = other.createdAt;
  if (other.members !== undefined) p.members = other.members;
  for (const [field, bytes] of sections) {
    if (!field.startsWith('j:')) continue;
    const r = open(bytes);
    const text = r.str();
    r.end();
    (p as unknown as Record<string, unknown>)[field.slice(2)] = JSON.parse(text) as unknown;
  }
  return p;
}
