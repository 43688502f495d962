/**
 * The Redis connection of a long-running instance: AUTH and TLS from config, reconnect with
 * backoff forever, and no offline queue, so that while Redis is down a command fails at once and
 * the pipeline degrades (failMode) instead of stalling behind a queue.
 */
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { WardenConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { retryDelay, RETRY_POLICIES } from '../retry.js';
import { resolveSecret, tlsOptions } from './secrets.js';

export function redisOptions(config: WardenConfig, live: boolean): RedisOptions {
  const tls = tlsOptions(config.redis.tls);
  return {
    ...(config.redis.password ? { password: resolveSecret(config.redis.password, 'redis.password') } : {}),
    ...(tls ? { tls } : {}),
    lazyConnect: false,
    connectTimeout: 5000,
    // Live: fail fast while disconnected; batch tools (replay) may wait for a reconnect instead.
    enableOfflineQueue: !live,
    maxRetriesPerRequest: live ? 1 : 5,
    // Live: a Redis that hangs (paused, overloaded, a dropped network path) degrades like one that is down.
    ...(live ? { commandTimeout: config.redis.commandTimeoutMs } : {}),
    retryStrategy: (attempt: number) => retryDelay(RETRY_POLICIES.redisReconnect, attempt),
  };
}

export function connectRedis(config: WardenConfig, logger: Logger, live = true): Redis {
  const redis = new Redis(config.redis.url, redisOptions(config, live));
  const log = logger.child({ component: 'redis' });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.error({ err: { message: err.message } }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('redis connection restored');
    down = false;
  });
  return redis;
}
