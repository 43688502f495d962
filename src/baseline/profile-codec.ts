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
import { DIMENSIONS, emptyValueMap } from './profile.js';
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
  encodeActivity,
  encodeHours,
  encodeOther,
  encodeScalars,
  encodeSketch,
  encodeTimes,
  encodeTokens,
  encodeValueMap,
  encodeVolume,
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
    try {
      (p as unknown as Record<string, unknown>)[field.slice(2)] = JSON.parse(text) as unknown;
    } catch (err) {
      throw new ProfileDecodeError(`bad JSON in section ${field}: ${(err as Error).message}`);
    }
  }
  return p;
}
