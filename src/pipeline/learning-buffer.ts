/**
 * Write-behind of published learning, per source partition (`pipeline.storeIntervalMs`).
 *
 * Without it every chunk pays a store load and a store write: at a steady low rate, where chunks
 * hold a dozen events, those per-chunk costs (encoding each touched value map again, reading back
 * the peer groups another partition wrote, the round trips) are most of the CPU per event. With it
 * the profile updates of a partition's published chunks stay in memory, and are written together
 * once the oldest of them is `intervalMs` old; meanwhile the next chunks of that partition decide
 * on the same profile objects (they hold the learning of every chunk published before them, as
 * they would after a write and a load) and the store is asked only for the profiles not held.
 *
 * The guarantees stay those of one write per chunk (docs/operations.md):
 * - A profile object holds only published learning when it is written: a partition's chunks run
 *   one after another, and a write starts only between two of them (`load` marks a chunk as
 *   begun, `apply` as published; a timer never writes a partition whose chunk is in between).
 * - Offsets are committed only once their chunk's learning is stored: `whenStored` runs the
 *   commit after the write that covers the chunk. A crash loses the held learning and nothing
 *   else: the chunks it came from are read again from the last commit and learned then.
 * - The store's watermark is written with the profile as before, so nothing is learned twice.
 * - A write that fails because the store went away drops the partition's held learning and the
 *   commits waiting on it, and marks the partition failed (`failed`): nothing more of it is held,
 *   written or committed until the runner has it read again from its last commit (`readAgain`,
 *   a seek: the group is not rejoined). That is what a failed write does on the write-per-chunk
 *   path, where the chunk is read again: the chunks read again load what the store has now, learn
 *   what it lacks, and are committed after the write of that. Holding the learning and writing
 *   it again would not be: a write the master applied and its replicas did not acknowledge
 *   (`redis.replicaAcks`) leaves the held objects on a version the store has passed, and every
 *   later incremental write of theirs is refused. Any other store failure would repeat on every
 *   try: counted, logged, and the chunks are committed without that learning (as `chunk-step.ts`
 *   does for one chunk).
 * - A decider that threw on a chunk may have changed the held objects half-way: `taint` drops the
 *   partition's held learning and has its chunks written one by one until past the failed chunk,
 *   so that, read again, the failing chunk is narrowed down against stored profiles alone.
 *
 * Peer groups are profiles that every partition's chunks write: each partition holds its own copy,
 * and the store merges two partitions' learning of one group on write (`ProfileUpdate.replay`,
 * here the replays of every chunk the copy learned from).
 */
import type { BaselineStore, LoadedProfile, ProfileUpdate } from '../baseline/store.js';
import type { IdentityProfile } from '../baseline/profile.js';
import { isStoreUnavailable } from './batch-processor.js';
import type { ProfileWriter } from './ports.js';

/** Held profiles of one partition beyond which the held learning is written at once. */
const MAX_HELD = 5000;

interface Held {
  profile: IdentityProfile;
  /** The offset of the last event learned (the partition's watermark once written). */
  offset: string | null;
  /** The watermark the store gave when the profile was loaded, for an update without an offset. */
  watermark: string | null;
  replays: Array<(profile: IdentityProfile) => void> | null;
}

interface PartitionState {
  held: Map<string, Held>;
  /** Watermarks of the last load, for profiles that become held by the next apply. */
  loaded: Map<string, string | null>;
  /** Commits of chunks whose learning is held, run once it is stored. */
  waiting: Array<() => void>;
  /** When the oldest held learning was published (ms), or null. */
  since: number | null;
  /** A chunk has loaded and not yet published (a write now would take unpublished learning). */
  open: boolean;
  writing: Promise<void> | null;
  timer: NodeJS.Timeout | null;
  /** Written one chunk at a time until a chunk past this offset was published (see `taint`). */
  writeThroughTo: bigint | null;
  /**
   * Held learning was dropped (`taint`, `discard`, a write refused because the store went away):
   * nothing more of this partition is held or committed until `reset` or `readAgain`.
   */
  failed: boolean;
  /** The generation of the partition's reading (`reset`, `readAgain`): a chunk of an earlier one commits nothing. */
  epoch: number;
}

export interface LearningBufferOptions {
  /** Longest time published learning is held before it is written (0: written with each chunk). */
  intervalMs: number;
  /** Clock in ms (tests pass their own). */
  now?: () => number;
}

/** The store the buffer writes to; `load` only when a decider loads through the buffer. */
export type BufferedStore = ProfileWriter & Partial<Pick<BaselineStore, 'load'>>;

export class LearningBuffer {
  private readonly parts = new Map<string, PartitionState>();
  /** The last generation handed out (`reset`, `readAgain`): see `generation`. */
  private epoch = 0;
  /**
   * The writes of every partition, one after the other: at most one write in flight. Through a
   * Redis Cluster failover, the writes of every partition held (and retried) at once each waited
   * for their replica acknowledgements (`redis.replicaAcks`) in turn on one connection.
   */
  private lane: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  /**
   * Told of a failed write (see above): the runner counts and logs it and, once the partition is
   * `failed` and no chunk of it is in hand, has it read again.
   */
  onWriteError: ((err: unknown, partition: string) => void) | null = null;
  /** Runs a write that no chunk waits for (one a timer started): the runner times it as the `learn` stage. */
  timerWrite: (write: () => Promise<void>) => Promise<void> = (write) => write();

  constructor(
    private readonly store: BufferedStore,
    private readonly options: LearningBufferOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  private loadFromStore(identities: readonly string[], partition: string | null): Promise<Map<string, LoadedProfile>> {
    if (!this.store.load) throw new Error('this learning buffer was given a store without load');
    return this.store.load(identities, partition);
  }

  /**
   * The generation of the partition's reading, to hand back to `whenStored`: a chunk begun in an
   * earlier one (before a `reset` or a `readAgain`) commits nothing.
   */
  generation(partition: string): number {
    return this.state(partition).epoch;
  }

  /** True once held learning of the partition was dropped and it must be read again from its last commit. */
  failed(partition: string): boolean {
    return this.parts.get(partition)?.failed === true;
  }

  /** Profiles held for the partition (tests), or for every partition. */
  held(partition?: string): number {
    if (partition !== undefined) return this.parts.get(partition)?.held.size ?? 0;
    let n = 0;
    for (const part of this.parts.values()) n += part.held.size;
    return n;
  }

  /** The decider's load: the partition's held profiles as they are, the rest from the store. */
  async load(identities: readonly string[], partition: string | null): Promise<Map<string, LoadedProfile>> {
    const part = partition === null ? undefined : this.state(partition);
    if (part === undefined) return this.loadFromStore(identities, partition);
    if (part.writing !== null) await part.writing;
    part.open = true;
    const rest = part.held.size === 0 ? identities : identities.filter((id) => !part.held.has(id));
    const out = rest.length > 0 ? await this.loadFromStore(rest, partition) : new Map<string, LoadedProfile>();
    for (const [id, loaded] of out) part.loaded.set(id, loaded.watermark);
    if (part.held.size > 0) {
      for (const id of identities) {
        const h = part.held.get(id);
        if (h !== undefined) out.set(id, { profile: h.profile, watermark: h.offset ?? h.watermark });
      }
    }
    return out;
  }

  /**
   * A published chunk's updates, `lastOffset` its last source offset: held, or written now with
   * everything held before them when the oldest is due (or the partition is written through).
   * Without `lastOffset` (the decider's `decideBatch`: decide and store at once) they are written
   * now. Resolves once written or, when the write failed, dropped (see above); never rejects.
   */
  async apply(updates: readonly ProfileUpdate[], partition: string | null, lastOffset?: string): Promise<void> {
    if (partition === null) return this.store.apply(updates, partition);
    const part = this.state(partition);
    part.open = false;
    // Held learning before this chunk's was dropped: its chunks are read again, and so is this one.
    if (part.failed && lastOffset !== undefined) return void part.loaded.clear();
    for (const u of updates) this.hold(part, u);
    part.loaded.clear();
    if (part.held.size === 0) return;
    part.since ??= this.now();
    let through = lastOffset === undefined;
    if (part.writeThroughTo !== null && lastOffset !== undefined) {
      if (BigInt(lastOffset) <= part.writeThroughTo) through = true;
      else part.writeThroughTo = null;
    }
    if (through || this.options.intervalMs === 0 || part.held.size >= MAX_HELD || this.now() - part.since >= this.options.intervalMs) {
      await this.write(partition, part);
      return;
    }
    this.arm(partition, part);
  }

  /**
   * Runs `commit` once the learning of every chunk of the partition published so far is stored
   * (at once when none is held); never for a partition whose held learning was dropped, until
   * `reset` or `readAgain`, nor for a chunk begun before the last of those (`generation`): the
   * held learning of the chunks before it was dropped, and they are read again from the last
   * commit, which must not pass them.
   */
  whenStored(partition: string, commit: () => void, generation?: number): void {
    const part = this.parts.get(partition);
    if (part === undefined) return commit();
    if ((generation !== undefined && generation !== part.epoch) || part.failed) return;
    if (part.held.size === 0 && part.writing === null) return commit();
    if (part.held.size > 0) return void part.waiting.push(commit);
    // Nothing held: the chunk's learning is in the write in flight (dropped if that fails).
    const epoch = part.epoch;
    void part.writing!.then(() => {
      if (epoch !== part.epoch || part.failed) return;
      if (part.held.size > 0) part.waiting.push(commit);
      else commit();
    });
  }

  /**
   * The decider threw on a chunk of the partition after the held profiles were handed to it: they
   * may hold part of that chunk. Drops them (their chunks are not committed: they are read again)
   * and writes the partition's chunks one by one up to `lastOffset`, the failed chunk's last. True
   * when something was held (the caller then has the chunk read again from the last commit).
   */
  taint(partition: string, lastOffset: string): boolean {
    const part = this.parts.get(partition);
    if (part === undefined || part.held.size === 0) return false;
    this.drop(part);
    part.failed = true;
    part.writeThroughTo = BigInt(lastOffset);
    return true;
  }

  /** A chunk of the partition failed after deciding: its held learning is not to be written. */
  discard(partition: string): void {
    const part = this.parts.get(partition);
    if (part === undefined) return;
    this.drop(part);
    part.failed = true;
  }

  /**
   * Forgets everything held and any failure: the consumer rejoined its group, and reads each of its
   * partitions again from the last commit. A write in flight completes, and commits nothing.
   */
  reset(): void {
    this.epoch++;
    for (const part of this.parts.values()) this.restart(part);
  }

  /**
   * The partition is read again from its last commit (the runner seeked it, with no chunk of it in
   * hand): forgets what it held and its failure, and starts a new generation of it.
   */
  readAgain(partition: string): void {
    const part = this.parts.get(partition);
    if (part === undefined) return;
    this.epoch++;
    this.restart(part);
  }

  private restart(part: PartitionState): void {
    this.drop(part);
    part.failed = false;
    part.open = false;
    part.epoch = this.epoch;
  }

  /** Writes everything held now (a graceful stop), waiting for writes in flight. */
  async flush(): Promise<void> {
    for (const [partition, part] of this.parts) {
      if (part.writing !== null) await part.writing;
      if (part.held.size > 0 && !part.open && !part.failed) await this.write(partition, part);
    }
  }

  private state(partition: string): PartitionState {
    let part = this.parts.get(partition);
    if (part === undefined) {
      part = { held: new Map(), loaded: new Map(), waiting: [], since: null, open: false, writing: null, timer: null, writeThroughTo: null, failed: false, epoch: this.epoch };
      this.parts.set(partition, part);
    }
    return part;
  }

  private hold(part: PartitionState, u: ProfileUpdate): void {
    const before = part.held.get(u.identity);
    const replay = u.replay;
    if (before === undefined || before.profile !== u.profile) {
      // A profile not held yet (or, never in practice, another object: the newer one has it all).
      const watermark = before?.offset ?? before?.watermark ?? part.loaded.get(u.identity) ?? null;
      part.held.set(u.identity, { profile: u.profile, offset: u.offset, watermark, replays: replay === undefined ? null : [replay] });
      return;
    }
    if (u.offset !== null) before.offset = u.offset;
    if (replay !== undefined) (before.replays ??= []).push(replay);
  }

  private arm(partition: string, part: PartitionState): void {
    if (part.timer !== null || part.since === null) return;
    const wait = Math.max(0, part.since + this.options.intervalMs - this.now());
    part.timer = setTimeout(() => {
      part.timer = null;
      // A chunk in between load and publish writes when it is published (it is due by then).
      if (part.open || part.held.size === 0) return;
      if (part.writing !== null) return void part.writing.then(() => this.arm(partition, part));
      void this.timerWrite(() => this.write(partition, part));
    }, wait);
    part.timer.unref();
  }

  /** Writes what the partition holds; never rejects (a failed write is reported, and dropped or committed: see above). */
  private write(partition: string, part: PartitionState): Promise<void> {
    cancelTimer(part);
    const held = part.held;
    const waiting = part.waiting;
    part.held = new Map();
    part.waiting = [];
    part.since = null;
    const updates: ProfileUpdate[] = [];
    for (const [identity, h] of held) {
      const replays = h.replays;
      const update: ProfileUpdate = { identity, profile: h.profile, offset: h.offset };
      if (replays !== null) update.replay = replays.length === 1 ? replays[0]! : (p) => replays.forEach((r) => r(p));
      updates.push(update);
    }
    const epoch = part.epoch;
    // The partition's next chunk loads only once `writing` is settled (queued time included), and
    // no other partition has these profile objects: nothing changes them meanwhile.
    const stored = this.lane.then(() => this.store.apply(updates, partition));
    this.lane = stored.then(
      () => undefined,
      () => undefined,
    );
    const written = stored.then(
      () => {
        if (epoch === part.epoch) for (const commit of waiting) commit();
      },
      (err: unknown) => {
        if (epoch !== part.epoch) return;
        if (isStoreUnavailable(err)) {
          // Dropped with its commits (nothing was held meanwhile: the next chunk's load waits for
          // this write); the runner has the partition read again from its last commit.
          this.drop(part);
          part.failed = true;
        } else {
          // It would fail again on every try: the chunks go on without that learning.
          for (const commit of waiting) commit();
        }
        this.onWriteError?.(err, partition);
      },
    );
    part.writing = written;
    void written.then(() => {
      if (part.writing === written) part.writing = null;
    });
    return written;
  }

  private drop(part: PartitionState): void {
    cancelTimer(part);
    part.held = new Map();
    part.loaded.clear();
    part.waiting = [];
    part.since = null;
  }
}

function cancelTimer(part: PartitionState): void {
  if (part.timer === null) return;
  clearTimeout(part.timer);
  part.timer = null;
}
