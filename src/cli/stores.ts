/** Opens the baseline store a command asked for (`--store memory|redis`). */
import type { WardenConfig } from '../config/schema.js';
import type { BaselineStore } from '../baseline/store.js';
import { MemoryBaselineStore } from '../baseline/store-memory.js';
import { RedisBaselineStore } from '../baseline/store-redis.js';
import { WardenError } from '../errors.js';
import { createRedisClient, redisStoreOptions } from '../pipeline/redis-connection.js';
import type { RedisClient } from '../pipeline/redis-connection.js';

export type StoreKind = 'memory' | 'redis';

export function parseStoreKind(value: string): StoreKind {
  if (value !== 'memory' && value !== 'redis') throw new WardenError('WARDEN_USAGE', `--store must be memory or redis, not ${value}`);
  return value;
}

/** The configured Redis or Redis Cluster (`redis.cluster.nodes`) for a command that runs once. */
export function connectRedis(config: WardenConfig): RedisClient {
  const redis = createRedisClient(config, false);
  // Errors surface through the commands that fail; the client's own event would only log twice.
  redis.on('error', () => undefined);
  return redis;
}

export function openStore(kind: StoreKind, config: WardenConfig, keyPrefix?: string): BaselineStore {
  if (kind === 'memory') return new MemoryBaselineStore();
  return new RedisBaselineStore(connectRedis(config), redisStoreOptions(config, keyPrefix));
}
