import { describe, expect, it } from 'vitest';
import { emptyValueMap } from '../../../src/baseline/profile.js';
import { recordValue } from '../../../src/baseline/value-map.js';

const DAY = 86_400_000;
const rules = { forgetMs: 30 * DAY, absorbAfterSightings: 5, absorbAfterDays: 3 };

describe('value map eviction', () => {
  it('cuts a map past its cap by an eighth back to the cap: stalest first, the new value kept, counts consistent', () => {
    const map = emptyValueMap();
    const cap = 16;
    // v0..v17 seen once each, a minute apart; v5 seen again on a later day (worth a day more).
    for (let i = 0; i <= 17; i++) recordValue(map, `v${i}`, i * 60_000, 0, true, rules, cap, 0.02);
    recordValue(map, 'v5', DAY, 1, true, rules, cap, 0.02);
    expect(map.size).toBe(18);
    recordValue(map, 'v18', 18 * 60_000, 0, true, rules, cap, 0.02);
    const keys = Object.keys(map.entries);
    expect(map.size).toBe(cap);
    expect(keys).toHaveLength(cap);
    // The three stalest (v0, v1, v2) went; v5 (seen on two days) and the new v18 stayed.
    expect(keys).not.toEqual(expect.arrayContaining(['v0']));
    expect(keys.filter((k) => ['v0', 'v1', 'v2'].includes(k))).toEqual([]);
    expect(keys).toEqual(expect.arrayContaining(['v3', 'v5', 'v18']));
    // The entries left keep their order (codecs write them in order).
    expect(keys).toEqual(['v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10', 'v11', 'v12', 'v13', 'v14', 'v15', 'v16', 'v17', 'v18']);
    const entries = Object.values(map.entries);
    expect(map.obs).toBe(entries.reduce((s, e) => s + e.n, 0));
    expect(map.ones).toBe(entries.filter((e) => e.n === 1).length);
  });

  it('breaks ties of worth by value, so that every store evicts the same entries', () => {
    const map = emptyValueMap();
    // Cap 2: the fourth value passes cap + 1 and two of the three others, equally worth, go.
    for (const v of ['d', 'b', 'a', 'c']) recordValue(map, v, 0, 0, true, rules, 2, 0.02);
    expect(Object.keys(map.entries)).toEqual(['d', 'c']);
    expect(map.size).toBe(2);
  });

  it('cuts by the entries the map holds when values were added or removed elsewhere since the last cut', () => {
    const map = emptyValueMap();
    const cap = 16;
    for (let i = 0; i <= 18; i++) recordValue(map, `v${i}`, i * 60_000, 0, true, rules, cap, 0.02);
    expect(map.size).toBe(cap);
    // Removed without its counts, then seen again (a new entry under the same value), and one
    // value added by hand: the next cut must still rank exactly the entries the map holds.
    delete map.entries['v10'];
    recordValue(map, 'v10', 30 * 60_000, 0, true, rules, cap, 0.02);
    map.entries['hand'] = { legit: 1, n: 1, first: 0, last: 0, days: 1, lastDay: 0 };
    map.size += 1;
    for (let i = 19; i <= 26; i++) recordValue(map, `v${i}`, i * 60_000, 0, true, rules, cap, 0.02);
    const keys = Object.keys(map.entries);
    expect(map.size).toBe(keys.length);
    // The stalest went at each cut: the hand-made entry (seen at 0) and the oldest of the others.
    expect(keys).toEqual(['v12', 'v13', 'v14', 'v15', 'v16', 'v17', 'v18', 'v10', 'v19', 'v20', 'v21', 'v22', 'v23', 'v24', 'v25', 'v26']);
  });
});
