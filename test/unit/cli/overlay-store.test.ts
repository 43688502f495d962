import { describe, expect, it } from 'vitest';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import { emptyProfile } from '../../../src/baseline/profile.js';
import { OverlayBaselineStore } from '../../../src/cli/support/overlay-store.js';

describe('OverlayBaselineStore (explain never writes a profile)', () => {
  it('reads through to the base, keeps every write in memory, and leaves the base untouched', async () => {
    const base = new MemoryBaselineStore({ copies: true });
    const known = { ...emptyProfile('svc-a', 64), events: 7 };
    await base.put(known);
    const overlay = new OverlayBaselineStore(base);
    overlay.snapshotNextLoad();
    const loaded = await overlay.load(['svc-a', 'svc-b'], null);
    expect(loaded.get('svc-a')?.profile?.events).toBe(7);
    expect(loaded.get('svc-b')?.profile).toBeNull();
    expect(overlay.snapshotOf('svc-a')?.events).toBe(7);
    expect(overlay.snapshotOf('svc-b')).toBeNull();

    await overlay.apply([{ identity: 'svc-a', profile: { ...known, events: 8 }, offset: null }, { identity: 'svc-b', profile: { ...emptyProfile('svc-b', 64), events: 1 }, offset: '5' }], 'p0');
    expect((await overlay.get('svc-a'))?.events).toBe(8);
    expect((await overlay.load(['svc-b'], 'p0')).get('svc-b')?.profile?.events).toBe(1);
    await overlay.put({ ...emptyProfile('svc-c', 64), events: 3 });
    expect(await overlay.reset('svc-a')).toBe(true);
    expect((await overlay.load(['svc-a'], null)).get('svc-a')?.profile).toBeNull();

    // The base saw none of it.
    expect((await base.get('svc-a'))?.events).toBe(7);
    expect(await base.get('svc-b')).toBeNull();
    expect(await base.get('svc-c')).toBeNull();
    // The snapshot is a copy taken before the writes.
    expect(overlay.snapshotOf('svc-a')?.events).toBe(7);
  });

  it('works without a base (no profiles at all)', async () => {
    const overlay = new OverlayBaselineStore(null);
    expect((await overlay.load(['x'], null)).get('x')?.profile).toBeNull();
    expect(await overlay.get('x')).toBeNull();
    await overlay.close();
  });
});
