import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import type { BaselineStore, ProfileUpdate } from '../../../src/baseline/store.js';
import type { IdentityProfile } from '../../../src/baseline/profile.js';
import type { Decision } from '../../../src/decisions/decision.js';
import { WardenError } from '../../../src/errors.js';
import type { WardenEvent } from '../../../src/events/event.js';
import { isStoreUnavailable } from '../../../src/pipeline/batch-processor.js';
import { LearningBuffer } from '../../../src/pipeline/learning-buffer.js';
import { createDecider } from '../../../src/scoring/decider.js';
import { simulate } from '../../../src/simulator/generate.js';
import { createEmptyPolicy, createInventoryResolver } from '../../helpers/decision-context.js';

const config = parseConfig('{}', 't');
const P = 'audit:0';

/** A memory store that counts its loads and writes and can be made to fail. */
class CountingStore extends MemoryBaselineStore {
  loads: string[][] = [];
  writes: Array<{ identities: string[]; partition: string | null }> = [];
  fail: Error | null = null;
  constructor() {
    super({ copies: true });
  }
  override async load(identities: readonly string[], partition: string | null) {
    this.loads.push([...identities]);
    return super.load(identities, partition);
  }
  override async apply(updates: readonly ProfileUpdate[], partition: string | null) {
    if (this.fail) throw this.fail;
    this.writes.push({ identities: updates.map((u) => u.identity), partition });
    return super.apply(updates, partition);
  }
}

const profile = (identity: string, events = 1): IdentityProfile => ({ identity, events }) as unknown as IdentityProfile;

/** A clock the test moves. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** One chunk as the pipeline runs it: load (the decider), then apply once published. */
async function chunk(buffer: LearningBuffer, ids: string[], offset: number, learn: (p: IdentityProfile) => void = (p) => (p.events += 1)): Promise<void> {
  const loaded = await buffer.load(ids, P);
  const updates = ids.map((id): ProfileUpdate => {
    const p = loaded.get(id)?.profile ?? profile(id, 0);
    learn(p);
    return { identity: id, profile: p, offset: String(offset) };
  });
  await buffer.apply(updates, P, String(offset));
}

/** A chunk, then its commit handed over as the runner does: `offset` goes to `committed` once stored. */
async function published(buffer: LearningBuffer, ids: string[], offset: number, committed: number[]): Promise<void> {
  await chunk(buffer, ids, offset);
  buffer.whenStored(P, () => committed.push(offset));
}

/** A buffer over a counting store, with the failed writes it reports (store went away or not) and a list for commits. */
function watched(intervalMs: number) {
  const store = new CountingStore();
  const buffer = new LearningBuffer(store, { intervalMs });
  const errors: boolean[] = [];
  buffer.onWriteError = (err) => errors.push(isStoreUnavailable(err));
  return { store, buffer, errors, committed: [] as number[] };
}

describe('learning buffer: published learning held per partition, then written', () => {
  it('serves held profiles to the next chunk without the store and writes them once the oldest is due', async () => {
    const store = new CountingStore();
    const c = clock();
    const buffer = new LearningBuffer(store, { intervalMs: 250, now: c.now });
    const committed: number[] = [];
    await published(buffer, ['a', 'b'], 10, committed);
    c.advance(100);
    await published(buffer, ['a'], 11, committed);
    // The second chunk read nothing from the store: both profiles were held.
    expect(store.loads).toEqual([['a', 'b']]);
    expect(store.writes).toEqual([]);
    expect(committed).toEqual([]);
    c.advance(200);
    await chunk(buffer, ['b', 'c'], 12);
    // Due: one write with everything held, then every chunk's commit.
    expect(store.writes).toEqual([{ identities: ['a', 'b', 'c'], partition: P }]);
    expect(store.loads).toEqual([['a', 'b'], ['c']]);
    expect(committed).toEqual([10, 11]);
    buffer.whenStored(P, () => committed.push(12));
    expect(committed).toEqual([10, 11, 12]);
    // What was written is every chunk's learning, with the last offset as the watermark.
    const reloaded = await store.load(['a', 'b', 'c'], P);
    expect(reloaded.get('a')).toMatchObject({ profile: { events: 2 }, watermark: '11' });
    expect(reloaded.get('b')).toMatchObject({ profile: { events: 2 }, watermark: '12' });
    expect(reloaded.get('c')).toMatchObject({ profile: { events: 1 }, watermark: '12' });
  });

  it('hands a held profile out with the watermark of its last learned event, so a redelivered event is not learned twice', async () => {
    const store = new CountingStore();
    const buffer = new LearningBuffer(store, { intervalMs: 250, now: clock().now });
    await chunk(buffer, ['a'], 41);
    expect((await buffer.load(['a'], P)).get('a')?.watermark).toBe('41');
  });

  it('with intervalMs 0, writes every chunk and commits at once', async () => {
    const store = new CountingStore();
    const buffer = new LearningBuffer(store, { intervalMs: 0 });
    const committed: number[] = [];
    await published(buffer, ['a'], 1, committed);
    await published(buffer, ['a'], 2, committed);
    expect(store.writes.length).toBe(2);
    expect(store.loads.length).toBe(2);
    expect(committed).toEqual([1, 2]);
  });

  it('writes at once when asked without an offset (decide and store at once)', async () => {
    const store = new CountingStore();
    const buffer = new LearningBuffer(store, { intervalMs: 60_000 });
    await buffer.apply([{ identity: 'a', profile: profile('a'), offset: '3' }], P);
    expect(store.writes).toEqual([{ identities: ['a'], partition: P }]);
  });

  it('a timer writes held learning of a partition that gets no further chunk, but never while a chunk is between load and publish', async () => {
    const store = new CountingStore();
    const buffer = new LearningBuffer(store, { intervalMs: 20 });
    const committed: number[] = [];
    await published(buffer, ['a'], 5, committed);
    // A chunk loads and has not published yet when the timer fires.
    const loaded = await buffer.load(['a'], P);
    await new Promise((r) => setTimeout(r, 60));
    expect(store.writes).toEqual([]);
    const p = loaded.get('a')!.profile!;
    p.events += 1;
    await buffer.apply([{ identity: 'a', profile: p, offset: '6' }], P, '6');
    // Due by then: the published chunk wrote everything.
    expect(store.writes).toEqual([{ identities: ['a'], partition: P }]);
    await published(buffer, ['b'], 7, committed);
    await new Promise((r) => setTimeout(r, 60));
    expect(store.writes).toEqual([
      { identities: ['a'], partition: P },
      { identities: ['b'], partition: P },
    ]);
    expect(committed).toEqual([5, 7]);
  });

  it('a write that fails because the store went away drops the held learning and its commits; read again from the last commit, the partition learns it then', async () => {
    const { store, buffer, errors, committed } = watched(20);
    await published(buffer, ['a'], 5, committed);
    store.fail = new WardenError('WARDEN_STORE_UNAVAILABLE', 'redis went away', { retriable: true });
    await new Promise((r) => setTimeout(r, 60));
    expect(errors).toEqual([true]);
    expect(buffer.failed(P)).toBe(true);
    expect(buffer.held(P)).toBe(0);
    // A chunk of the read before the failure: nothing of it is held, written or committed.
    const before = buffer.generation(P);
    await published(buffer, ['a'], 6, committed);
    expect(buffer.held(P)).toBe(0);
    store.fail = null;
    await new Promise((r) => setTimeout(r, 60));
    expect(store.writes).toEqual([]);
    expect(committed).toEqual([]);
    // The runner seeks the partition to its last commit: its chunks are learned and committed again.
    buffer.readAgain(P);
    expect(buffer.failed(P)).toBe(false);
    buffer.whenStored(P, () => committed.push(-1), before);
    await published(buffer, ['a'], 5, committed);
    await published(buffer, ['a'], 6, committed);
    await new Promise((r) => setTimeout(r, 60));
    expect(committed).toEqual([5, 6]);
    expect(await store.load(['a'], P)).toEqual(new Map([['a', { profile: expect.objectContaining({ events: 2 }), watermark: '6' }]]));
  });

  it("a chunk's own write that fails fails the partition too; any other store error commits without it (it would fail again on every try)", async () => {
    const { store, buffer, errors, committed } = watched(0);
    store.fail = new WardenError('WARDEN_STORE_UNAVAILABLE', 'redis went away', { retriable: true });
    await published(buffer, ['a'], 1, committed);
    expect(buffer.failed(P)).toBe(true);
    expect(committed).toEqual([]);
    buffer.readAgain(P);
    store.fail = new WardenError('WARDEN_STORE_SCRIPT', 'script refused', { retriable: false });
    await published(buffer, ['a'], 1, committed);
    await published(buffer, ['a'], 2, committed);
    expect(errors).toEqual([true, false, false]);
    expect(buffer.failed(P)).toBe(false);
    expect(buffer.held(P)).toBe(0);
    expect(committed).toEqual([1, 2]);
  });

  it('taint drops held learning and writes the partition chunk by chunk up to the failed one', async () => {
    const store = new CountingStore();
    const buffer = new LearningBuffer(store, { intervalMs: 60_000 });
    const committed: number[] = [];
    expect(buffer.taint(P, '3')).toBe(false);
    await published(buffer, ['a'], 1, committed);
    expect(buffer.taint(P, '3')).toBe(true);
    expect(buffer.held(P)).toBe(0);
    buffer.whenStored(P, () => committed.push(3));
    expect(committed).toEqual([]);
    // Read again from the last commit (the runner rejoins): written one by one up to offset 3.
    buffer.reset();
    await chunk(buffer, ['a'], 1);
    await chunk(buffer, ['a'], 3);
    expect(store.writes.length).toBe(2);
    await chunk(buffer, ['a'], 4);
    expect(store.writes.length).toBe(2);
    expect(buffer.held(P)).toBe(1);
    expect(committed).toEqual([]);
  });

  it('a chunk begun before a reset commits nothing: the chunks whose held learning was dropped are read again from the last commit', async () => {
    const store = new CountingStore();
    const buffer = new LearningBuffer(store, { intervalMs: 60_000 });
    const committed: number[] = [];
    await published(buffer, ['a'], 1, committed);
    const generation = buffer.generation(P);
    const loaded = await buffer.load(['b'], P);
    // The group rebalances while the chunk of 'b' is being decided.
    buffer.reset();
    const b = loaded.get('b')?.profile ?? profile('b', 0);
    await buffer.apply([{ identity: 'b', profile: b, offset: '2' }], P, '2');
    buffer.whenStored(P, () => committed.push(2), generation);
    await buffer.flush();
    expect(committed).toEqual([]);
  });

  it('a reset drops what is held and the commits of a write still in flight', async () => {
    let release: () => void = () => undefined;
    const inner = new CountingStore();
    const slow: Pick<BaselineStore, 'load' | 'apply'> = {
      load: (ids, p) => inner.load(ids, p),
      apply: async (u, p) => {
        await new Promise<void>((r) => (release = r));
        await inner.apply(u, p);
      },
    };
    const buffer = new LearningBuffer(slow, { intervalMs: 20 });
    const committed: number[] = [];
    await published(buffer, ['a'], 1, committed);
    await new Promise((r) => setTimeout(r, 60));
    buffer.reset();
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(committed).toEqual([]);
  });

  it("hands the store every chunk's replay of a shared profile, in order, for a merge on a newer version", async () => {
    const seen: ProfileUpdate[] = [];
    const store: Pick<BaselineStore, 'load' | 'apply'> = { load: async (ids) => new Map(ids.map((id) => [id, { profile: null, watermark: null }])), apply: async (u) => void seen.push(...u) };
    const buffer = new LearningBuffer(store, { intervalMs: 60_000 });
    const group = profile('peer:class/ci', 0);
    const taught: string[] = [];
    for (const [offset, member] of [[1, 'ci-1'], [2, 'ci-2']] as const) {
      await buffer.load([group.identity], P);
      group.events += 1;
      await buffer.apply([{ identity: group.identity, profile: group, offset: String(offset), replay: () => taught.push(member) }], P, String(offset));
    }
    await buffer.flush();
    expect(seen).toHaveLength(1);
    seen[0]!.replay!(profile('peer:class/ci', 7));
    expect(taught).toEqual(['ci-1', 'ci-2']);
    expect(seen[0]).toMatchObject({ offset: '2', profile: { events: 2 } });
  });

  describe('over a simulated fleet, each class keyed to one of three partitions', () => {
    const sim = simulate({ seed: 4, days: 5, fleet: 16 });
    const records = sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind, environment: i.env, tokens: [i.tokenId] }));
    // Keyed over three partitions, each class to one: a peer group that spans partitions is
    // merged by the store on write (ProfileUpdate.replay, the test above), and a partition sees
    // another's learning of it once written, so decisions could then differ by timing.
    const kinds = [...new Set(sim.identities.map((i) => i.kind))];
    const streams = new Map<string, WardenEvent[]>();
    for (const e of sim.events.slice(0, 6000)) {
      const p = `audit:${kinds.indexOf(sim.identities.find((i) => i.id === e.identity.id)?.kind ?? kinds[0]!) % 3}`;
      streams.set(p, [...(streams.get(p) ?? []), e]);
    }

    /** A store whose chosen writes are applied and then refused, as a WAIT no replica answers. */
    class RefusingStore extends CountingStore {
      refused = 0;
      constructor(private readonly refuse: (write: number) => boolean) {
        super();
      }
      override async apply(updates: readonly ProfileUpdate[], partition: string | null) {
        await super.apply(updates, partition);
        if (this.refuse(this.writes.length)) {
          this.refused++;
          throw new WardenError('WARDEN_STORE_UNAVAILABLE', '0 of 1 replicas acknowledged the write', { retriable: true });
        }
      }
    }

    /**
     * Each partition read in chunks of 13, the partitions in turn, as the runner does: a partition
     * whose held learning was dropped is read again from its last commit.
     */
    async function run(intervalMs: number, refuse: (write: number) => boolean = () => false) {
      const store = new RefusingStore(refuse);
      const c = clock();
      const buffer = new LearningBuffer(store, { intervalMs, now: c.now });
      const decider = createDecider({ config, resolver: createInventoryResolver(records as never, config), policy: createEmptyPolicy(), store: buffer });
      const decisions: Decision[] = [];
      const position = new Map<string, number>();
      const committed = new Map<string, number>();
      const readAgain = (p: string): void => {
        buffer.readAgain(p);
        position.set(p, committed.get(p) ?? 0);
      };
      for (let round = 0; round < 10_000; round++) {
        let read = false;
        for (const [p, events] of streams) {
          if (buffer.failed(p)) readAgain(p);
          const first = position.get(p) ?? 0;
          const batch = events.slice(first, first + 13);
          if (batch.length === 0) continue;
          read = true;
          position.set(p, first + batch.length);
          const offsets = batch.map((_, k) => String(first + k));
          const generation = buffer.generation(p);
          const decided = await decider.decide(batch, { partition: p, offsets });
          decisions.push(...decided.decisions);
          await buffer.apply(decided.updates, p, offsets[offsets.length - 1]);
          buffer.whenStored(p, () => committed.set(p, first + batch.length), generation);
        }
        c.advance(30);
        if (read) continue;
        await buffer.flush();
        if (![...streams.keys()].some((p) => buffer.failed(p))) break;
      }
      for (const [p, events] of streams) expect(committed.get(p)).toBe(events.length);
      const ids = [...new Set([...store.writes.flatMap((w) => w.identities)])].sort();
      const stored = new Map<string, unknown>();
      for (const id of ids) stored.set(id, await store.get(id));
      return { decisions, stored, writes: store.writes.length, refused: store.refused };
    }

    it('decides and stores exactly what writing after every batch does', async () => {
      const each = await run(0);
      const held = await run(250);
      expect(held.writes).toBeLessThan(each.writes / 4);
      expect(held.decisions).toEqual(each.decisions);
      expect([...held.stored.keys()]).toEqual([...each.stored.keys()]);
      expect(held.stored).toEqual(each.stored);
    });

    it('stores the same when writes are applied and then refused (a WAIT no replica answered): the partition is read again, nothing is learned twice', async () => {
      const each = await run(0);
      const refused = await run(250, (write) => write % 3 === 1 && write < 60);
      expect(refused.refused).toBeGreaterThan(5);
      expect([...refused.stored.keys()]).toEqual([...each.stored.keys()]);
      expect(refused.stored).toEqual(each.stored);
    });
  });
});
