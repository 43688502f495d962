/**
 * Redis implementation of the baseline store: one pipeline (one round trip) to load a batch and
 * one to write it back, each identity's write atomic with its partition watermark (apply-2.lua).
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
}

type ScriptReply = [Error | null, unknown];

interface ScriptCommands {
  wardenApply(profileKey: string, wmKey: string, json: string, partition: string, offset: string, ttl: string): unknown;
  wardenLoad(profileKey: string, wmKey: string, partition: string): unknown;
  wardenReset(profileKey: string, wmKey: string): Promise<number>;
}

export class RedisBaselineStore implements BaselineStore {
  private readonly redis: Redis & ScriptCommands;

  constructor(redis: Redis, private readonly options: RedisStoreOptions) {
    defineScripts(redis);
    this.redis = redis as Redis & ScriptCommands;
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
    for (const id of unique) {
      const k = baselineKeys(this.options.keyPrefix, id);
      pipeline.wardenLoad(k.profile, k.watermarks, partition ?? '');
    }
    const replies = await this.exec(pipeline, 'load');
    const out = new Map<string, LoadedProfile>();
    unique.forEach((id, i) => {
      const [json, wm] = (replies[i] as [string | null, string | null] | undefined) ?? [null, null];
      out.set(id, { profile: json ? (JSON.parse(json) as IdentityProfile) : null, watermark: wm ?? null });
    });
    return out;
  }

  async apply(updates: readonly ProfileUpdate[], partition: string | null): Promise<void> {
    if (updates.length === 0) return;
    const pipeline = this.redis.pipeline() as ChainableCommander & ScriptCommands;
    const ttl = String(Math.round(this.options.ttlMs));
    for (const u of updates) {
      const k = baselineKeys(this.options.keyPrefix, u.identity);
      const offset = partition !== null && u.offset !== null ? u.offset : '';
      pipeline.wardenApply(k.profile, k.watermarks, JSON.stringify(u.profile), partition ?? '', offset, ttl);
    }
    await this.exec(pipeline, 'apply');
  }

  async get(identity: string): Promise<IdentityProfile | null> {
    return (await this.load([identity], null)).get(identity)?.profile ?? null;
  }

  async reset(identity: string): Promise<boolean> {
    const k = baselineKeys(this.options.keyPrefix, identity);
    try {
      return (await this.redis.wardenReset(k.profile, k.watermarks)) === 1;
    } catch (err) {
      throw storeError(err, 'reset');
    }
  }

  async put(profile: IdentityProfile): Promise<void> {
    await this.apply([{ identity: profile.identity, profile, offset: null }], null);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
