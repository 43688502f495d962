import { describe, expect, it } from 'vitest';
import { encodeChanges, encodeProfile, SECTION } from '../../../src/baseline/profile-codec.js';
import { encodeValueMap } from '../../../src/baseline/codec-sections.js';
import { clearTouched, DIMENSIONS, emptyProfile, touchedOf } from '../../../src/baseline/profile.js';
import type { IdentityProfile, ValueMap } from '../../../src/baseline/profile.js';
import { learnEvent } from '../../../src/baseline/learn.js';
import { compileBaselineRules } from '../../../src/baseline/config.js';
import { extractFeatures } from '../../../src/baseline/features.js';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import { parseConfig } from '../../../src/config/load.js';
import { replayEvents } from '../../../src/pipeline/replay.js';
import { createDecider } from '../../../src/scoring/decider.js';
import { simulate } from '../../../src/simulator/generate.js';
import type { WardenEvent } from '../../../src/events/event.js';
import { createEmptyPolicy, createInventoryResolver } from '../../helpers/decision-context.js';
import { event, START } from './helpers.js';

const config = parseConfig('{}', 'test');
const rules = compileBaselineRules(config.baseline);

function learn(p: IdentityProfile, e: WardenEvent): void {
  learnEvent(p, e, extractFeatures(e), rules, true);
}

/** Applies what encodeChanges reported to the base, as the store's script does. */
function applied(base: ReadonlyMap<string, Buffer>, p: IdentityProfile): Map<string, Buffer> {
  const { sections, changed } = encodeChanges(p, base, touchedOf(p));
  const out = new Map(base);
  for (const field of changed) {
    const bytes = sections.get(field);
    if (bytes) out.set(field, bytes);
    else out.delete(field);
  }
  expect(out).toEqual(sections);
  return out;
}

describe('profile changes (what a store write sends)', () => {
  it('encodes the sections learning marked and leaves the others as they were', () => {
    const p = emptyProfile('svc-a', 16);
    for (let i = 0; i < 5; i++) learn(p, event(START + i * 60_000));
    const base = encodeProfile(p);
    clearTouched(p);
    // An event without a user agent or workload: those maps are not marked.
    const e = event(START + 3_600_000, { source: { ip: '10.1.2.3', asn: 'AS16509', country: 'IE', region: 'eu-west-1' } });
    learn(p, e);
    const marks = touchedOf(p)!;
    expect(marks & (1 << DIMENSIONS.indexOf('ua'))).toBe(0);
    expect(marks & (1 << DIMENSIONS.indexOf('action'))).not.toBe(0);
    // A change learning did not make (nothing but learnEvent changes a map of an identity's
    // profile): with marks it is not encoded, without marks it is.
    const ua = Object.keys(p.maps.ua.entries)[0]!;
    p.maps.ua.entries[ua]!.legit += 100;
    const { sections, changed } = encodeChanges(p, base, marks);
    expect(changed).toContain(SECTION.map('action'));
    expect(changed).toContain(SECTION.hours);
    expect(changed).not.toContain(SECTION.map('ua'));
    expect(sections.get(SECTION.map('ua'))).toBe(base.get(SECTION.map('ua')));
    const all = encodeChanges(p, base, undefined);
    expect(all.changed).toContain(SECTION.map('ua'));
    expect(all.sections).toEqual(encodeProfile(p));
  });

  it('sends a touched section only when its bytes changed, and a section that became empty as gone', () => {
    const p = emptyProfile('svc-b', 16);
    learn(p, event(START));
    p.failures = [START];
    const base = encodeProfile(p);
    clearTouched(p);
    p.failures = [];
    const { sections, changed } = encodeChanges(p, base, 0);
    expect(changed).toEqual([SECTION.failures]);
    expect(sections.has(SECTION.failures)).toBe(false);
    // Nothing changed at all: nothing to send, and the base buffers are kept.
    const again = encodeChanges(p, sections, 0);
    expect(again.changed).toEqual([]);
    for (const [field, bytes] of again.sections) expect(bytes).toBe(sections.get(field));
  });

  it('keeps the marks of a write that did not happen: encoded again, the changes are all there', () => {
    const p = emptyProfile('svc-c', 16);
    learn(p, event(START));
    const base = encodeProfile(p);
    clearTouched(p);
    learn(p, event(START + 7_200_000, { action: 's3:GetObject' }));
    const failed = encodeChanges(p, base, touchedOf(p));
    // The write failed: the store keeps its base and the profile its marks; the batch goes on.
    learn(p, event(START + 10_800_000, { action: 's3:ListBucket' }));
    const retried = encodeChanges(p, base, touchedOf(p));
    expect(retried.sections).toEqual(encodeProfile(p));
    expect(new Set(retried.changed)).toEqual(new Set([...failed.changed, ...retried.changed]));
    // Written: the marks are cleared, the next write starts from what was written.
    clearTouched(p);
    expect(touchedOf(p)).toBeUndefined();
  });

  it('re-encodes a value map whose counts were filled in after loading (profiles from before the counts)', () => {
    const p = emptyProfile('svc-d', 16);
    learn(p, event(START));
    delete p.maps.ua.ones;
    delete p.maps.ua.obs;
    const base = encodeProfile(p);
    clearTouched(p);
    p.maps.ua.ones = 1;
    p.maps.ua.obs = 1;
    const { changed } = encodeChanges(p, base, 0);
    expect(changed).toEqual([SECTION.map('ua')]);
  });

  it('gives the bytes of a fresh encoding for every profile of a replay, batch after batch', async () => {
    const sim = simulate({ seed: 11, days: 6, fleet: 8 });
    const records = sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind }));
    const store = new MemoryBaselineStore();
    const decider = createDecider({ config, resolver: createInventoryResolver(records, config), policy: createEmptyPolicy(), store });
    const bases = new Map<IdentityProfile, Map<string, Buffer>>();
    let checked = 0;
    // The memory store hands out its own objects: the same profiles learn batch after batch, as
    // the Redis store's kept copies do. Each batch's changes, applied to the bytes of the batch
    // before, must give what a fresh encoding gives.
    await replayEvents(sim.events, decider, () => undefined, { batchSize: 300 });
    const profiles = await Promise.all(store.identities().map(async (id) => (await store.load([id], null)).get(id)!.profile!));
    for (const p of profiles) {
      bases.set(p, encodeProfile(p));
      clearTouched(p);
    }
    const more = sim.events.map((e, i) => ({ ...e, id: `${e.id}-again`, time: new Date(Date.parse(e.time) + 6 * 86_400_000 + (i % 7)).toISOString() }));
    for (let from = 0; from < more.length; from += 300) {
      await replayEvents(more.slice(from, from + 300), decider, () => undefined, { batchSize: 300 });
      for (const p of profiles) {
        const next = applied(bases.get(p)!, p);
        expect(next).toEqual(encodeProfile(p));
        bases.set(p, next);
        clearTouched(p);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});

describe('value map encoding', () => {
  it('reuses the bytes of unchanged entries and still gives the bytes of a fresh encoding', () => {
    // A seeded walk through every kind of change: new, changed, deleted and re-added entries,
    // array-index keys (listed first), -0, NaN, fractional times (no delta coding), big numbers.
    let seed = 42;
    const rand = (n: number): number => {
      // xorshift32
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const map: ValueMap = { entries: {}, size: 0, newRate: 0, ones: 0, obs: 0 };
    const odd = [-0, Number.NaN, 0.5, 2 ** 60, -3, 1e-9];
    for (let step = 0; step < 1500; step++) {
      const key = rand(5) === 0 ? String(rand(40)) : `v${rand(60)}`;
      const op = rand(10);
      if (op < 2) delete map.entries[key];
      else {
        const e = (map.entries[key] ??= { legit: 0, n: 0, first: START + rand(1000) * 1000, last: START, days: 0, lastDay: 0 });
        if (rand(2) === 0) e.n += 1;
        if (rand(2) === 0) e.last = rand(150) === 0 ? START + 0.5 : START + rand(100_000) * 1000;
        e.lastDay = Math.floor(e.last / 86_400_000);
        if (rand(4) === 0) e.legit += 1;
        if (rand(8) === 0) e.legit = odd[rand(odd.length)]!;
        // A forgotten entry replaced: a new first sighting, on which the next entry's bytes depend.
        if (rand(6) === 0) e.first = START + rand(1000) * 1000;
        if (rand(150) === 0) e.first = odd[rand(odd.length)]!;
      }
      map.size = Object.keys(map.entries).length;
      map.newRate = rand(2) === 0 ? 0 : rand(100) / 7;
      if (rand(2) === 0) {
        // A map object never encoded before has nothing to reuse: the reference encoding.
        const fresh = encodeValueMap(structuredClone(map));
        expect(encodeValueMap(map).equals(fresh)).toBe(true);
      }
    }
  });
});
