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
import type { IdentityProfile } from './profile.js';
import { DIMENSIONS, emptyProfile, profileLayout, TOUCHED_HOURS, TOUCHED_TRANSITIONS, touchedMap } from './profile.js';
import type { Writer } from './codec-bytes.js';
import { open, ProfileDecodeError, start } from './codec-bytes.js';
import {
  decodeActivity,
  decodeHours,
  decodeOther,
  decodeScalars,
  decodeSketch,
  decodeTimes,
  decodeTokens,
  decodeValueMap,
  decodeVolume,
  writeActivity,
  writeHours,
  writeOther,
  writeScalars,
  writeSketch,
  writeTimes,
  writeTokens,
  writeValueMap,
  writeVolume,
} from './codec-sections.js';

export { ProfileDecodeError };

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

interface SectionSpec {
  field: string;
  write: (w: Writer, p: IdentityProfile) => void;
  /** Its learning mark (see `touchedOf`), or 0 for a section encoded at every write. */
  touched: number;
  /** A value map: its Good–Turing counts may be filled in outside learning (see `countsStored`). */
  map?: boolean;
}

/** The known sections, in the order they are written. */
const SECTIONS: readonly SectionSpec[] = [
  { field: SECTION.scalars, write: writeScalars, touched: 0 },
  { field: SECTION.hours, write: writeHours, touched: TOUCHED_HOURS },
  { field: SECTION.transitions, write: (w, p) => writeSketch(w, p.transitions), touched: TOUCHED_TRANSITIONS },
  { field: SECTION.activity, write: writeActivity, touched: 0 },
  { field: SECTION.volume, write: (w, p) => writeVolume(w, p.volume), touched: 0 },
  { field: SECTION.tokens, write: (w, p) => writeTokens(w, p.tokens), touched: 0 },
  { field: SECTION.failures, write: (w, p) => writeTimes(w, p.failures), touched: 0 },
  { field: SECTION.novel, write: (w, p) => writeTimes(w, p.novel), touched: 0 },
  { field: SECTION.other, write: writeOther, touched: 0 },
  ...DIMENSIONS.map((d, i): SectionSpec => ({ field: SECTION.map(d), write: (w, p) => writeValueMap(w, p.maps[d]), touched: touchedMap(i), map: true })),
];

/** Encodings of empty sections, left out of the hash. */
const EMPTY: ReadonlyMap<string, Buffer> = (() => {
  const m = new Map<string, Buffer>();
  const p = emptyProfile('', 0);
  for (const spec of SECTIONS) {
    if (spec.field === SECTION.scalars || spec.field === SECTION.hours || spec.field === SECTION.transitions) continue;
    const w = start();
    spec.write(w, p);
    m.set(spec.field, w.done());
  }
  return m;
})();

/** Writes the profile's keys this codec does not know, as JSON, each to `out(field, bytes)`. */
function unknownKeys(p: IdentityProfile, out: (field: string, w: Writer) => void): void {
  for (const key of Object.keys(p)) {
    if (KNOWN.has(key)) continue;
    const value = (p as unknown as Record<string, unknown>)[key];
    if (value !== undefined) {
      const w = start();
      w.str(JSON.stringify(value));
      out(SECTION.json(key), w);
    }
  }
}

/**
 * The profile's sections, field → bytes, without the event count (the store keeps it as a counter
 * of its own) and without the sections that are empty.
 */
export function encodeProfile(p: IdentityProfile): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const spec of SECTIONS) {
    const w = start();
    spec.write(w, p);
    if (!w.same(EMPTY.get(spec.field))) out.set(spec.field, w.done());
  }
  unknownKeys(p, (field, w) => out.set(field, w.done()));
  return out;
}

/** What changed in a profile since the sections it was loaded (or last written) with. */
export interface ProfileChanges {
  /** Every section of the profile now, as `encodeProfile` would give them. */
  sections: Map<string, Buffer>;
  /** The fields whose bytes changed (set in `sections`) or that became empty (absent from it). */
  changed: string[];
}

/**
 * The profile's sections against `base`, the sections it was loaded with: the same as
 * `encodeProfile`, but a section whose bytes did not change keeps its base buffer, and with
 * learning marks (`touched`, see `touchedOf`) a marked section that learning did not touch is not
 * encoded at all. Without marks every section is encoded and compared.
 */
export function encodeChanges(p: IdentityProfile, base: ReadonlyMap<string, Buffer>, touched: number | undefined): ProfileChanges {
  const sections = new Map(base);
  const changed: string[] = [];
  for (const spec of SECTIONS) {
    const old = base.get(spec.field);
    if (touched !== undefined && spec.touched !== 0 && (touched & spec.touched) === 0 && (!spec.map || countsStored(old))) continue;
    const w = start();
    spec.write(w, p);
    if (w.same(old ?? EMPTY.get(spec.field))) continue;
    changed.push(spec.field);
    if (w.same(EMPTY.get(spec.field))) sections.delete(spec.field);
    else sections.set(spec.field, w.done());
  }
  const unknown = new Set<string>();
  unknownKeys(p, (field, w) => {
    unknown.add(field);
    if (w.same(base.get(field))) return;
    changed.push(field);
    sections.set(field, w.done());
  });
  for (const field of base.keys()) {
    if (!field.startsWith('j:') || unknown.has(field)) continue;
    changed.push(field);
    sections.delete(field);
  }
  return { sections, changed };
}

/**
 * Were a value map's Good–Turing counts in these bytes (or is the map empty)? A map written before
 * the counts existed gets them on its first use, reading or learning: it is encoded again even
 * when learning did not touch it.
 */
function countsStored(bytes: Buffer | undefined): boolean {
  // The flags follow the format byte; both fit in one byte each.
  return bytes === undefined || ((bytes[1] ?? 0) & 3) === 3;
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
  // Made where emptyProfile makes new profiles (profileLayout): one hidden class for both.
  const p = profileLayout(scalars.identity, maps, hours.hours, scalars.rate, decodeTimes(section(SECTION.failures)), decodeTimes(section(SECTION.novel)), decodeSketch(section(SECTION.transitions)));
  p.v = scalars.v;
  p.firstSeen = scalars.firstSeen;
  p.lastSeen = scalars.lastSeen;
  p.events = events;
  p.hoursTotal = hours.hoursTotal;
  p.hoursDecayedAt = hours.hoursDecayedAt;
  p.volume = decodeVolume(section(SECTION.volume));
  p.failRate = scalars.failRate;
  p.deniedRun = scalars.deniedRun;
  p.deniedAt = scalars.deniedAt;
  p.prevAction = scalars.prevAction;
  p.tokens = decodeTokens(section(SECTION.tokens));
  p.privilegedLegit = scalars.privilegedLegit;
  p.suppressed = other.suppressed;
  p.hourAgg = activity.hourAgg;
  p.hourly = activity.hourly;
  p.risk = activity.risk;
  p.createdBy = other.createdBy;
  p.createdAt = other.createdAt;
  p.members = other.members;
  for (const [field, bytes] of sections) {
    if (!field.startsWith('j:')) continue;
    const r = open(bytes);
    const text = r.str();
    r.end();
    try {
      (p as unknown as Record<string, unknown>)[field.slice(2)] = JSON.parse(text) as unknown;
    } catch (err) {
      throw new ProfileDecodeError(`bad JSON in section ${field}: ${(err as Error).message}`);
    }
  }
  return p;
}
