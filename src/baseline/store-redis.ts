/**
 * Redis implementation of the baseline store, on one Redis or a Redis Cluster.
 *
 * Each identity's profile is one hash: a field per section (profile-codec.ts), plus its version,
 * its event count and its partition watermarks. A batch is loaded with one round trip per Redis
 * node and written back with one more; each identity's write is one script call (apply-1.lua),
 * atomic with its watermark, so a redelivered event is never folded in twice.
 *
 * Writes are incremental: the store remembers, for every profile object it hands out, the version
 * and the section bytes it came with, and sends back only the sections whose bytes changed. The
 * script checks that the stored version is still that one; if another writer came in between, the
 * whole profile is written instead (as before the hash layout: the last writer wins).
 *
 * Profiles this instance wrote are kept in memory with their version: the next load asks Redis
 * whether that version is still current and, if so, reuses the copy instead of reading and
 * decoding it again (the usual case: partitions are keyed by identity, so one instance owns an
 * identity's stream). A kept copy is handed out once and comes back only with the next successful
 * write, so a batch that fails half-way never leaves a half-updated copy behind.
 *
 * On a cluster, a pipeline never spans nodes: identities are grouped by the node that serves their
 * slot. A group refused with a redirection (MOVED, ASK), TRYAGAIN, CLUSTERDOWN or a closed
 * connection while a replica takes over is sent again, regrouped from a refreshed slot map, for a
 * few seconds; that is safe because every write is guarded by its watermark and version.
 */
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import type { BaselineStore, LoadedProfile, ProfileUpdate } from './store.js';
import type { IdentityProfile } from './profile.js';
import { decodeProfile, encodeChanges, encodeProfile, isSectionField } from './profile-codec.js';
import { clearTouched, touchedOf } from './profile.js';
import { baselineKeys } from './redis/keys.js';
import { defineScripts } from './redis/scripts.js';
import { storeError } from './redis/errors.js';
import { NodePipelines } from './redis/node-pipelines.js';
import { WardenError } from '../errors.js';

export type RedisClient = Redis | Cluster;

export interface RedisStoreOptions {
  /** Prefix of every key (config `redis.keyPrefix`). */
  keyPrefix: string;
  /** Idle identities expire after this long (config `baseline.idleTtlDays`). */
  ttlMs: number;
  /** Profiles kept in memory between batches (0 disables the copy). @defaultValue 4096 */
  keepProfiles?: number;
  /** How long a cluster group refused during a failover is retried before the store reports itself unavailable. @defaultValue 10000 */
  clusterRetryMs?: number;
  /**
   * Replicas that must acknowledge each batch's writes (Redis `WAIT`) before the batch counts as
   * stored (config `redis.replicaAcks`). Replication is asynchronous: without this, a master that
   * crashes right after a write can take it along to a replica promoted in its place. @defaultValue 0
   */
  replicaAcks?: number;
  /** How long to wait for those acknowledgements (config `redis.replicaAckTimeoutMs`). @defaultValue 1000 */
  replicaAckTimeoutMs?: number;
}

export interface RedisStoreStats {
  /** Profiles a load reused from memory (Redis confirmed the version). */
  reused: number;
  /** Profiles a load read and decoded from Redis. */
  read: number;
  /** Profiles found in the old layout (one JSON string) and rewritten as a hash. */
  migrated: number;
  /** Identity writes, and how many of them had to send the whole profile (new, or changed by someone else). */
  writes: number;
  wholeWrites: number;
  /** Sections written (hash fields set) by all writes, and the bytes of the sections sent. */
  sectionsWritten: number;
  bytesSent: number;
  /** Script calls sent again after a cluster refused them (failover, slots moved). */
  resent: number;
  /**
   * Writes of a shared profile (a peer group) that found a newer version than the one loaded and
   * put the batch's learning on top of it (`ProfileUpdate.replay`) instead of replacing it.
   */
  merged: number;
}

/** Loads and writes of a shared profile on top of a newer version, before it is written whole. */
const MERGE_ATTEMPTS = 3;

/** What a profile object was loaded with: the base of its next incremental write. */
interface Origin {
  version: string;
  events: number;
  sections: Map<string, Buffer>;
}

interface Kept extends Origin {
  profile: IdentityProfile;
}

/** One identity's write: its sections now and, when it has an origin, the fields that changed. */
interface Plan {
  update: ProfileUpdate;
  origin: Origin | null;
  sections: Map<string, Buffer>;
  changed: string[] | null;
}

interface ScriptCommands {
  wardenApply(key: string, partition: string, offset: string, ttl: string, base: string, events: string, frames: Buffer): unknown;
  wardenLoadBuffer(key: string, legacy: string, legacyWm: string, partition: string, version: string): unknown;
  wardenMigrate(key: string, legacy: string, legacyWm: string, ...args: (string | Buffer)[]): unknown;
  wardenReset(key: string, legacy: string, legacyWm: string): Promise<number>;
}

type Pipeline = ChainableCommander & ScriptCommands;

export class RedisBaselineStore implements BaselineStore {
  private readonly redis: RedisClient & ScriptCommands;
  private readonly nodes: NodePipelines<Pipeline>;
  /** identity → the profile as last written by this instance, its version and section bytes. */
  private readonly kept = new Map<string, Kept>();
  /** Profile objects handed out by load → what they were loaded with. */
  private readonly origins = new WeakMap<IdentityProfile, Origin>();
  private readonly keepLimit: number;
  private readonly counters: RedisStoreStats = { reused: 0, read: 0, migrated: 0, writes: 0, wholeWrites: 0, sectionsWritten: 0, bytesSent: 0, resent: 0, merged: 0 };

  constructor(redis: RedisClient, private readonly options: RedisStoreOptions) {
    defineScripts(redis);
    this.redis = redis as RedisClient & ScriptCommands;
    this.keepLimit = options.keepProfiles ?? 4096;
    this.nodes = new NodePipelines<Pipeline>(redis, {
      keyOf: (identity) => baselineKeys(options.keyPrefix, identity).profile,
      retryMs: options.clusterRetryMs ?? 10_000,
      replicaAcks: options.replicaAcks ?? 0,
      replicaAckTimeoutMs: options.replicaAckTimeoutMs ?? 1000,
    });
  }

  stats(): RedisStoreStats {
    return { ...this.counters, resent: this.nodes.resent };
  }

  private run<T>(items: readonly T[], identity: (item: T) => string, add: (pipeline: Pipeline, item: T) => void, operation: string, writes = false): Promise<unknown[]> {
    return this.nodes.run(items, identity, add, operation, writes);
  }

  async load(identities: readonly string[], partition: string | null): Promise<Map<string, LoadedProfile>> {
    const unique = [...new Set(identities)];
    // Each kept copy is taken out: the caller may change it, and it comes back with its write.
    const held = unique.map((id) => {
      const copy = this.kept.get(id);
      this.kept.delete(id);
      return copy;
    });
    const replies = await this.run(
      unique.map((id, i) => i),
      (i) => unique[i]!,
      (pipeline, i) => {
        const k = baselineKeys(this.options.keyPrefix, unique[i]!);
        pipeline.wardenLoadBuffer(k.profile, k.legacyProfile, k.legacyWatermarks, partition ?? '', held[i]?.version ?? '');
      },
      'load',
    );
    const out = new Map<string, LoadedProfile>();
    const legacy: { id: string; profile: IdentityProfile }[] = [];
    unique.forEach((id, i) => {
      const reply = replies[i] as [number, Buffer | null, Buffer | null, Buffer | null, ...Buffer[]];
      const [state, wmBuf, versionBuf, eventsBuf] = reply;
      const watermark = wmBuf ? wmBuf.toString() : null;
      const copy = held[i];
      if (state === 1 && copy) {
        this.counters.reused++;
        this.origins.set(copy.profile, copy);
        out.set(id, { profile: copy.profile, watermark });
        return;
      }
      if (state === 2) {
        this.counters.read++;
        const sections = new Map<string, Buffer>();
        for (let f = 4; f + 1 < reply.length; f += 2) {
          const field = (reply[f] as Buffer).toString();
          if (isSectionField(field)) sections.set(field, reply[f + 1] as Buffer);
        }
        const events = Number(eventsBuf?.toString() ?? 0);
        const profile = this.decode(id, sections, events);
        this.origins.set(profile, { version: versionBuf?.toString() ?? '', events, sections });
        out.set(id, { profile, watermark });
        return;
      }
      if (state === 3) {
        const profile = this.parseLegacy(id, (reply[4] as Buffer).toString());
        legacy.push({ id, profile });
        out.set(id, { profile, watermark });
        return;
      }
      out.set(id, { profile: null, watermark });
    });
    if (legacy.length > 0) await this.migrate(legacy);
    return out;
  }

  private decode(identity: string, sections: Map<string, Buffer>, events: number): IdentityProfile {
    try {
      return decodeProfile(sections, events);
    } catch (err) {
      throw new WardenError('WARDEN_STORE_SCRIPT', `baseline store load failed: the stored profile of ${identity} cannot be read (${(err as Error).message})`, {
        cause: err,
        hint: `written by a newer Warden, or damaged: \`warden baseline reset ${identity}\` starts it over`,
      });
    }
  }

  private parseLegacy(identity: string, json: string): IdentityProfile {
    try {
      return JSON.parse(json) as IdentityProfile;
    } catch (err) {
      throw new WardenError('WARDEN_STORE_SCRIPT', `baseline store load failed: the stored profile of ${identity} is not JSON (${(err as Error).message})`, { cause: err });
    }
  }

  /** Rewrites profiles found in the old layout as hashes, so the next write can be incremental. */
  private async migrate(found: { id: string; profile: IdentityProfile }[]): Promise<void> {
    const encoded = found.map((f) => encodeProfile(f.profile));
    const versions = await this.run(
      found.map((_, i) => i),
      (i) => found[i]!.id,
      (pipeline, i) => {
        const k = baselineKeys(this.options.keyPrefix, found[i]!.id);
        pipeline.wardenMigrate(k.profile, k.legacyProfile, k.legacyWatermarks, String(found[i]!.profile.events), ...flatten(encoded[i]!));
      },
      'migrate',
      true,
    );
    found.forEach((f, i) => {
      const version = Number(versions[i]);
      // 0: someone else migrated or reset it meanwhile; the profile's write will then be whole.
      if (version > 0) {
        this.counters.migrated++;
        this.origins.set(f.profile, { version: String(version), events: f.profile.events, sections: encoded[i]! });
      }
    });
  }

  async apply(updates: readonly ProfileUpdate[], partition: string | null): Promise<void> {
    await this.write(updates, partition, this.keepLimit > 0);
  }

  private async write(updates: readonly ProfileUpdate[], partition: string | null, keep: boolean): Promise<void> {
    if (updates.length === 0) return;
    const ttl = String(Math.round(this.options.ttlMs));
    const plans = updates.map((update): Plan => {
      const origin = this.origins.get(update.profile) ?? null;
      if (!origin) return { update, origin, sections: encodeProfile(update.profile), changed: null };
      const { sections, changed } = encodeChanges(update.profile, origin.sections, touchedOf(update.profile));
      return { update, origin, sections, changed };
    });
    const send = async (list: readonly Plan[], whole: boolean): Promise<[number, number][]> => {
      const replies = await this.run(
        list,
        (p) => p.update.identity,
        (pipeline, p) => {
          const k = baselineKeys(this.options.keyPrefix, p.update.identity);
          const offset = partition !== null && p.update.offset !== null ? p.update.offset : '';
          const origin = whole ? null : p.origin;
          const { frames, bytes } = framed(origin && p.changed ? p.changed : [...p.sections.keys()], p.sections);
          this.counters.bytesSent += bytes;
          const events = origin ? p.update.profile.events - origin.events : p.update.profile.events;
          // A shared profile that did not exist when loaded is created only if it still does not
          // (base ''): a batch of another partition may be creating it too, and is then merged with.
          const base = origin ? origin.version : !whole && p.update.replay !== undefined ? '' : '*';
          pipeline.wardenApply(k.profile, partition ?? '', offset, ttl, base, String(events), frames);
        },
        'apply',
        true,
      );
      return replies as [number, number][];
    };
    const results = await send(plans, false);
    const outcome = new Map<Plan, [number, number]>();
    const done: Plan[] = [];
    const conflicts: Plan[] = [];
    let shared: Plan[] = [];
    plans.forEach((p, i) => {
      if (results[i]![0] !== -1) {
        outcome.set(p, results[i]!);
        done.push(p);
      } else if (p.update.replay !== undefined) shared.push(p);
      else conflicts.push(p);
    });
    // A shared profile (a peer group) changed since it was loaded: another batch wrote it, of
    // another partition, maybe in this process. This batch's learning goes on top of the version
    // stored now, loaded again, rather than replacing it.
    for (let attempt = 0; attempt < MERGE_ATTEMPTS && shared.length > 0; attempt++) {
      const rebased = await this.rebase(shared, partition);
      const fresh: Plan[] = [];
      // Gone meanwhile (a reset): nothing to put the learning on; written whole below, as before.
      shared.forEach((p, i) => (rebased[i] ? fresh.push(rebased[i]) : conflicts.push(p)));
      const replies = fresh.length > 0 ? await send(fresh, false) : [];
      shared = [];
      fresh.forEach((p, i) => {
        if (replies[i]![0] === -1) shared.push(p);
        else {
          outcome.set(p, replies[i]!);
          done.push(p);
          this.counters.merged++;
        }
      });
    }
    conflicts.push(...shared);
    // Anything else changed by someone else since it was loaded: the whole profile replaces it.
    const whole = new Set(conflicts);
    const second = conflicts.length > 0 ? await send(conflicts, true) : [];
    conflicts.forEach((p, i) => {
      outcome.set(p, second[i]!);
      done.push(p);
    });
    for (const p of done) {
      const [version, written] = outcome.get(p)!;
      if (!(version > 0)) continue;
      this.counters.writes++;
      this.counters.sectionsWritten += written;
      if (!p.origin || whole.has(p)) this.counters.wholeWrites++;
      this.origins.delete(p.update.profile);
      // Written: what learning marked is in Redis now (a write that failed keeps its marks).
      clearTouched(p.update.profile);
      if (!keep) continue;
      if (this.kept.size >= this.keepLimit) this.kept.delete(this.kept.keys().next().value as string);
      this.kept.set(p.update.identity, { version: String(version), profile: p.update.profile, sections: p.sections, events: p.update.profile.events });
    }
  }

  /**
   * Shared profiles' plans again, each on the version stored now: loaded again (the copy this store
   * kept when it wrote last, if Redis still has that version), with the batch's learning applied to
   * it (`ProfileUpdate.replay`). Null for a profile that is gone (reset) or can only be read whole.
   */
  private async rebase(plans: readonly Plan[], partition: string | null): Promise<(Plan | null)[]> {
    const loaded = await this.load(
      plans.map((p) => p.update.identity),
      partition,
    );
    return plans.map((p): Plan | null => {
      const base = loaded.get(p.update.identity)?.profile ?? null;
      const origin = base === null ? undefined : this.origins.get(base);
      if (base === null || origin === undefined || p.update.replay === undefined) return null;
      p.update.replay(base);
      const { sections, changed } = encodeChanges(base, origin.sections, touchedOf(base));
      return { update: { ...p.update, profile: base }, origin, sections, changed };
    });
  }

  async get(identity: string): Promise<IdentityProfile | null> {
    return (await this.load([identity], null)).get(identity)?.profile ?? null;
  }

  async reset(identity: string): Promise<boolean> {
    this.kept.delete(identity);
    const k = baselineKeys(this.options.keyPrefix, identity);
    try {
      return (await this.redis.wardenReset(k.profile, k.legacyProfile, k.legacyWatermarks)) === 1;
    } catch (err) {
      throw storeError(err, 'reset');
    }
  }

  async put(profile: IdentityProfile): Promise<void> {
    // The caller keeps its object: no copy is kept, the next load reads what was written.
    this.kept.delete(profile.identity);
    this.origins.delete(profile);
    await this.write([{ identity: profile.identity, profile, offset: null }], null, false);
  }

  async close(): Promise<void> {
    // QUIT is refused while the connection is still being made (no offline queue in a live
    // instance): then drop the connection, or it would keep the process alive once it connects.
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function flatten(sections: ReadonlyMap<string, Buffer>): (string | Buffer)[] {
  const out: (string | Buffer)[] = [];
  for (const [field, bytes] of sections) out.push(field, bytes);
  return out;
}

/**
 * The sections of one write as one argument (apply-1.lua reads it back): for each field its name
 * (2-byte length, little-endian) and its bytes (4-byte length; none for a section that is gone). One
 * argument instead of two per section keeps the client's per-argument work off the hot path.
 */
function framed(fields: readonly string[], sections: ReadonlyMap<string, Buffer>): { frames: Buffer; bytes: number } {
  let size = 0;
  let bytes = 0;
  for (const field of fields) {
    size += 6 + Buffer.byteLength(field) + (sections.get(field)?.length ?? 0);
    bytes += sections.get(field)?.length ?? 0;
  }
  const frames = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const field of fields) {
    const value = sections.get(field);
    const name = frames.write(field, pos + 2, 'utf8');
    frames.writeUInt16LE(name, pos);
    pos += 2 + name;
    frames.writeUInt32LE(value?.length ?? 0, pos);
    pos += 4;
    if (value) pos += value.copy(frames, pos);
  }
  return { frames, bytes };
}
