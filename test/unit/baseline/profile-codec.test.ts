import { describe, expect, it } from 'vitest';
import { decodeProfile, encodeProfile, isSectionField, ProfileDecodeError, SECTION } from '../../../src/baseline/profile-codec.js';
import { emptyProfile } from '../../../src/baseline/profile.js';
import type { IdentityProfile } from '../../../src/baseline/profile.js';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import { simulate } from '../../../src/simulator/generate.js';
import { replayEvents } from '../../../src/pipeline/replay.js';
import { createDecider } from '../../../src/scoring/decider.js';
import { parseConfig } from '../../../src/config/load.js';
import { createEmptyPolicy, createInventoryResolver } from '../../helpers/decision-context.js';

function roundTrip(p: IdentityProfile): IdentityProfile {
  return decodeProfile(encodeProfile(p), p.events);
}

/** Every key below the top level, in first-seen order, for a JSON.stringify allow-list. */
function nestedKeys(p: IdentityProfile): string[] {
  const keys = new Set<string>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (!Array.isArray(v)) keys.add(k);
      walk(x);
    }
  };
  for (const v of Object.values(p)) walk(v);
  return [...keys];
}

async function learnedProfiles(): Promise<IdentityProfile[]> {
  const config = parseConfig('{}', 'test');
  const sim = simulate({ seed: 3, days: 4, fleet: 6 });
  const records = sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind }));
  const store = new MemoryBaselineStore();
  const decider = createDecider({ config, resolver: createInventoryResolver(records, config), policy: createEmptyPolicy(), store });
  await replayEvents(sim.events, decider, () => undefined, { batchSize: 500 });
  return Promise.all(store.identities().map(async (id) => (await store.get(id))!));
}

describe('profile codec', () => {
  it('gives back every learned profile exactly (identities, peer groups, creation records), in fewer bytes than JSON', async () => {
    const profiles = await learnedProfiles();
    expect(profiles.length).toBeGreaterThan(6);
    expect(profiles.some((p) => p.members !== undefined)).toBe(true);
    for (const p of profiles) {
      const back = roundTrip(p);
      // Exact to the byte, nested key order included; only the optional top-level keys may come
      // back in another order (they were added in the order learning first needed them).
      expect(JSON.stringify(back, Object.keys(back).sort().concat(nestedKeys(p)))).toBe(JSON.stringify(p, Object.keys(p).sort().concat(nestedKeys(p))));
      let bytes = 0;
      for (const b of encodeProfile(p).values()) bytes += b.length;
      expect(bytes).toBeLessThan(JSON.stringify(p).length / 2);
    }
  });

  it('keeps numbers exact whatever they are: fractions, -0, huge, negative, non-integer times, NaN', () => {
    const p = emptyProfile('svc-{odd}/ü', 8);
    p.firstSeen = 1.5;
    p.lastSeen = 2 ** 60;
    p.hours[3] = -0;
    p.hours[4] = 0.1 + 0.2;
    p.hours[5] = Number.MAX_VALUE;
    p.hoursTotal = Number.NaN;
    p.transitions[15] = 7;
    p.transitions[0] = 2 ** 51;
    p.failures = [1_700_000_000_000, 1_699_999_999_999, 1_700_000_000_000.25];
    p.novel = [-5, 3];
    p.maps.ip.entries['10.0.0.1'] = { legit: 1, n: 2, first: 1_700_000_000_123.5, last: 1_700_000_000_000, days: 1, lastDay: -1 };
    p.maps.action.entries['s3:GetObject'] = { legit: 1, n: 2, first: 1_700_000_000_123, last: 1_600_000_000_000, days: 1, lastDay: -1 };
    p.maps.action.entries['123'] = { legit: 0, n: 1, first: 0, last: 0, days: 0, lastDay: 0 };
    p.maps.action.size = 2;
    delete p.maps.country.ones;
    delete p.maps.country.obs;
    p.prevAction = '';
    p.maps.resource.entries[`arn:aws:s3:::${'ü'.repeat(70)}/${'x'.repeat(200)}`] = { legit: 1, n: 1, first: 5, last: 5, days: 1, lastDay: 0 };
    p.createdBy = 'é'.repeat(63);
    p.tokens.AKIA = { net: null, asn: 'AS1', country: null, region: 'r', at: 5, src: null, alt: 0.25 };
    p.tokens.B = { net: 'n', asn: null, country: 'c', region: null, at: 6 };
    p.hourAgg = { hour: 12, reads: 1, readBytes: 2.5, readRows: 0, writes: 0, writeBytes: 0, writeRows: 0, reported: 3 };
    p.risk = { acc: 0.5, at: 9, mean: 0, var: 0, n: 1 };
    p.suppressed = { NEW_ASN: 1234 };
    p.createdAt = 77;
    p.events = 42;
    const back = roundTrip(p);
    expect(Object.is(back.hours[3], -0)).toBe(true);
    expect(back.hoursTotal).toBeNaN();
    expect(back).toEqual(p);
    expect(Object.keys(back.maps.action.entries)).toEqual(Object.keys(p.maps.action.entries));
    expect(back.maps.country.ones).toBeUndefined();
  });

  it('leaves out empty sections and carries keys it does not know as JSON', () => {
    const p = emptyProfile('svc-a', 4) as IdentityProfile & { future?: unknown };
    const sections = encodeProfile(p);
    expect([...sections.keys()].sort()).toEqual([SECTION.hours, SECTION.scalars, SECTION.transitions].sort());
    p.future = { a: [1, 'x'] };
    const withFuture = encodeProfile(p);
    expect(withFuture.has(SECTION.json('future'))).toBe(true);
    expect((decodeProfile(withFuture, 0) as typeof p).future).toEqual({ a: [1, 'x'] });
    expect([...withFuture.keys()].every(isSectionField)).toBe(true);
    expect(isSectionField('#v')).toBe(false);
    expect(isSectionField('@audit-0')).toBe(false);
  });

  it('refuses bytes that are not a section (truncated, unknown format, left-over bytes)', () => {
    const sections = encodeProfile(emptyProfile('svc-a', 4));
    const scalars = sections.get(SECTION.scalars)!;
    const broken = (field: string, bytes: Buffer) => () => decodeProfile(new Map([...sections, [field, bytes]]), 0);
    expect(broken(SECTION.scalars, scalars.subarray(0, scalars.length - 2))).toThrow(ProfileDecodeError);
    expect(broken(SECTION.scalars, Buffer.concat([scalars, Buffer.from([0])]))).toThrow(/left over/);
    expect(broken(SECTION.hours, Buffer.from([9, 0]))).toThrow(/unknown section format 9/);
    expect(() => decodeProfile(new Map(), 0)).toThrow(/section s is missing/);
  });
});
