/** The inline gateway's read-only baseline store: a short-lived cache over the real store that never writes. */
import { describe, expect, it } from 'vitest';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import { emptyProfile } from '../../../src/baseline/profile.js';
import { ReadOnlyBaselineStore } from '../../../src/baseline/store-readonly.js';
import type { BaselineStore, LoadedProfile } from '../../../src/baseline/store.js';

/** A memory store that counts the loads reaching it. */
function counted(): { store: MemoryBaselineStore; loads: string[][] } {
  const store = new MemoryBaselineStore({ copies: true });
  const loads: string[][] = [];
  const load = store.load.bind(store);
  store.load = (ids, partition): Promise<Map<string, LoadedProfile>> => {
    loads.push([...ids]);
    return load(ids, partition);
  };
  return { store, loads };
}

describe('ReadOnlyBaselineStore', () => {
  it('reads through once per TTL, and hands every caller its own copy', async () => {
    const { store, loads } = counted();
    const p = emptyProfile('svc-a', 64);
    p.events = 7;
    await store.put(p);
    let now = 1000;
    const ro = new ReadOnlyBaselineStore(store, { ttlMs: 500, now: () => now });
    const first = (await ro.load(['svc-a', 'svc-none'], 'p0')).get('svc-a')!;
    expect(first).toEqual({ profile: expect.objectContaining({ identity: 'svc-a', events: 7 }) as unknown, watermark: null });
    first.profile!.events = 99;
    now += 499;
    const again = await ro.load(['svc-a', 'svc-none'], null);
    expect(again.get('svc-a')?.profile?.events).toBe(7);
    expect(again.get('svc-none')).toEqual({ profile: null, watermark: null });
    expect(loads).toEqual([['svc-a', 'svc-none']]);
    // Past the TTL a change by the writer (warden run) is seen.
    p.events = 8;
    await store.put(p);
    now += 2;
    expect((await ro.get('svc-a'))?.events).toBe(8);
    expect(loads).toHaveLength(2);
    expect(ro.stats()).toMatchObject({ hits: 2, misses: 3 });
  });

  it('never writes: apply drops the learning, put and reset refuse', async () => {
    const { store } = counted();
    const ro = new ReadOnlyBaselineStore(store);
    const p = emptyProfile('svc-b', 64);
    p.events = 3;
    await ro.apply([{ identity: 'svc-b', profile: p, offset: '5' }], 'p0');
    expect(await store.get('svc-b')).toBeNull();
    expect(ro.stats().discarded).toBe(1);
    await expect(ro.put(p)).rejects.toMatchObject({ code: 'WARDEN_STORE_READ_ONLY' });
    await expect(ro.reset('svc-b')).rejects.toMatchObject({ code: 'WARDEN_STORE_READ_ONLY' });
  });

  it('shares one read between concurrent loads and does not cache a failed one', async () => {
    let calls = 0;
    let fail = true;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const inner = {
      async load(ids: readonly string[]) {
        calls++;
        await gate;
        if (fail) throw new Error('redis down');
        return new Map(ids.map((id) => [id, { profile: emptyProfile(id, 8), watermark: '1' }]));
      },
    } as unknown as BaselineStore;
    const ro = new ReadOnlyBaselineStore(inner);
    const a = ro.load(['svc-c'], null);
    const b = ro.load(['svc-c'], null);
    release();
    await expect(a).rejects.toThrow('redis down');
    await expect(b).rejects.toThrow('redis down');
    expect(calls).toBe(1);
    fail = false;
    expect((await ro.get('svc-c'))?.identity).toBe('svc-c');
    expect(calls).toBe(2);
  });

  it('keeps at most maxEntries profiles, and none with ttl 0', async () => {
    const { store, loads } = counted();
    const bounded = new ReadOnlyBaselineStore(store, { maxEntries: 2 });
    await bounded.load(['a', 'b', 'c'], null);
    expect(bounded.stats().cached).toBe(2);
    const uncached = new ReadOnlyBaselineStore(store, { ttlMs: 0 });
    await uncached.get('a');
    await uncached.get('a');
    expect(uncached.stats().cached).toBe(0);
    expect(loads).toHaveLength(3);
  });
});
