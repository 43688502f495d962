/** Opens the baseline store a command asked for (`--store memory|redis`). */
import { Redis } from 'ioredis';
import type { WardenConfig } from '../config/schema.js';
import type { BaselineStore } from '../baseline/store.js';
import { MemoryBaselineStore } from '../baseline/store-memory.js';
import { RedisBaselineStore } from '../baseline/store-redis.js';
import { WardenError } from '../errors.js';

export type StoreKind = 'memory' | 'redis';

export function parseStoreKind(value: string): StoreKind {
  if (value !== 'memory' && value !== 'redis') throw new WardenError('WARDEN_USAGE', `--store must be memory or redis, not ${value}`);
  return value;
}

export function connectRedis(config: WardenConfig): Redis {
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 3, enableAutoPipelining: false });
  // Errors surface through the commands that fail; the client's own event would only log twice.
  redis.on('error', () => undefined);
  return redis;
}

export function openStore(kind: StoreKind, config: WardenConfig, keyPrefix?: string): BaselineStore {
  if (kind === 'memory') return new MemoryBaselineStore();
  return new RedisBaselineStore(connectRedis(config), {
    keyPrefix: keyPrefix ?? config.redis.keyPrefix,
    ttlMs: config.baseline.idleTtlDays * 86_400_000,
  });
}
