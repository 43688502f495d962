/**
 * Redis implementation of the baseline store: one pipeline (one round trip) to load a batch and
 * one to write it back, each identity's write atomic with its partition watermark (apply-2.lua).
 *
 * Profiles this instance wrote are kept in memory with their version: the next load asks Redis
 * whether that version is still current and, if so, reuses the copy instead of reading and
 * parsing the JSON again (the usual case: partitions are keyed by identity, so one instance owns
 * an identity's stream). Any other writer (a reset, an import, another instance after a
 * rebalance) bumps or deletes the version and the profile is read from Redis. A kept copy is
 * handed out once and comes back only with the next successful write, so a batch that fails
 * half-way never leaves a half-updated copy behind.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import type { BaselineStore, LoadedProfile, ProfileUpdate } from './store.js';
import type { IdentityProfile } from './profile.js';
import { baselineKeys } from './redis/keys.js';
import { defineScripts } from './redis/scripts.js';
import { storeError } from './redis/errors.js';

export interface RedisStoreOptions {
  /** Prefix of every key (config `redis.keyPrefix`). */
  keyPrefix: string;
  /** Idle identities expire after this long (config `baseline.idleTtlDays`). */
  ttlMs: number;
  /** Profiles kept in memory between batches (0 disables the copy). @defaultValue 4096 */
  keepProfiles?: number;
}

export interface RedisStoreStats {
  /** Profiles a load reused from memory (Redis confirmed the version). */
  reused: number;
  /** Profiles a load read and parsed from Redis. */
  read: number;
}

type ScriptReply = [Error | null, unknown];

interface ScriptCommands {
  wardenApply(profileKey: string, wmKey: string, json: string, partition: string, offset: string, ttl: string): unknown;
  wardenLoad(profileKey: string, wmKey: string, partition: string, version: string): unknown;
  wardenReset(profileKey: string, wmKey: string): Promise<number>;
}

export class RedisBaselineStore implements BaselineStore {
  private readonly redis: Redis & ScriptCommands;
  /** identity → the profile as last written by this instance, and its version. */
  private readonly kept = new Map<string, { version: string; profile: IdentityProfile }>();
  private readonly keepLimit: number;
  private readonly counters: RedisStoreStats = { reused: 0, read: 0 };

  constructor(redis: Redis, private readonly options: RedisStoreOptions) {
    defineScripts(redis);
    this.redis = redis as Redis & ScriptCommands;
    this.keepLimit = options.keepProfiles ?? 4096;
  }

  stats(): RedisStoreStats {
    return { ...this.counters };
  }

  private async exec(pipeline: ChainableCommander, operation: string): Promise<unknown[]> {
    let replies: ScriptReply[] | null;
    try {
      replies = (await pipeline.exec()) as ScriptReply[] | null;
    } catch (err) {
      throw storeError(err, operation);
    }
    if (!replies) throw storeError(new Error('pipeline returned no replies'), operation);
    return replies.map(([err, value]) => {
      if (err) throw storeError(err, operation);
      return value;
    });
  }

  async load(identities: readonly string[], partition: string | null): Promise<Map<string, LoadedProfile>> {
    const unique = [...new Set(identities)];
    const pipeline = this.redis.pipeline() as ChainableCommander & ScriptCommands;
    // Each kept copy is taken out: the caller may change it, and it comes back with its write.
    const held = unique.map((id) => {
      const copy = this.kept.get(id);
      this.kept.delete(id);
      return copy;
    });
    unique.forEach((id, i) => {
      const k = baselineKeys(this.options.keyPrefix, id);
      pipeline.wardenLoad(k.profile, k.watermarks, partition ?? '', held[i]?.version ?? '');
    });
    const replies = await this.exec(pipeline, 'load');
    const out = new Map<string, LoadedProfile>();
    unique.forEach((id, i) => {
      const [json, wm, , current] = (replies[i] as [string | null, string | null, string | null, number] | undefined) ?? [null, null, null, 0];
      const copy = held[i];
      if (current === 1 && copy) {
        this.counters.reused++;
        out.set(id, { profile: copy.profile, watermark: wm ?? null });
        return;
      }
      if (json) this.counters.read++;
      out.set(id, { profile: json ? (JSON.parse(json) as IdentityProfile) : null, watermark: wm ?? null });
    });
    return out;
  }

  async apply(updates: readonly ProfileUpdate[], partition: string | null): Promise<void> {
    await this.write(updates, partition, this.keepLimit > 0);
  }

  private async write(updates: readonly ProfileUpdate[], partition: string | null, keep: boolean): Promise<void> {
    if (updates.length === 0) return;
    const pipeline = this.redis.pipeline() as ChainableCommander & ScriptCommands;
    const ttl = String(Math.round(this.options.ttlMs));
    for (const u of updates) {
      const k = baselineKeys(this.options.keyPrefix, u.identity);
      const offset = partition !== null && u.offset !== null ? u.offset : '';
      pipeline.wardenApply(k.profile, k.watermarks, JSON.stringify(u.profile), partition ?? '', offset, ttl);
    }
    const versions = await this.exec(pipeline, 'apply');
    if (!keep) return;
    updates.forEach((u, i) => {
      const version = Number(versions[i]);
      if (!(version > 0)) return;
      if (this.kept.size >= this.keepLimit) this.kept.delete(this.kept.keys().next().value as string);
      this.kept.set(u.identity, { version: String(version), profile: u.profile });
    });
  }

  async get(identity: string): Promise<IdentityProfile | null> {
    return (await this.load([identity], null)).get(identity)?.profile ?? null;
  }

  async reset(identity: string): Promise<boolean> {
    this.kept.delete(identity);
    const k = baselineKeys(this.options.keyPrefix, identity);
    try {
      return (await this.redis.wardenReset(k.profile, k.watermarks)) === 1;
    } catch (err) {
      throw storeError(err, 'reset');
    }
  }

  async put(profile: IdentityProfile): Promise<void> {
    // The caller keeps its object: no copy is kept, the next load reads what was written.
    this.kept.delete(profile.identity);
    await this.write([{ identity: profile.identity, profile, offset: null }], null, false);
  }

  async close(): Promise<void> {
    // QUIT is refused while the connection is still being made (no offline queue in a live
    // instance): then drop the connection, or it would keep the process alive once it connects.
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
