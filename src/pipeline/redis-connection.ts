/**
 * The Redis connection of Warden: one Redis (`redis.url`) or a Redis Cluster
 * (`redis.cluster.nodes`), with AUTH and TLS from config and reconnect with backoff forever.
 *
 * A live instance has no offline queue, so that while Redis is down a command fails at once and
 * the pipeline degrades (failMode) instead of stalling behind a queue; batch tools (replay,
 * baseline, explain) queue and wait for a reconnect instead. On a cluster, ioredis follows MOVED
 * and ASK redirections and refreshes its slot map; the baseline store groups its pipelines per
 * node and sends a group again when a failover refuses it.
 */
import { Cluster, Redis } from 'ioredis';
import type { ClusterNode, ClusterOptions, RedisOptions } from 'ioredis';
import type { WardenConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { RedisStoreOptions } from '../baseline/store-redis.js';
import { retryDelay, RETRY_POLICIES } from '../retry.js';
import { resolveSecret, tlsOptions } from './secrets.js';

/** One Redis or a Redis Cluster: both run the baseline store's scripts. */
export type RedisClient = Redis | Cluster;

const retryStrategy = (attempt: number): number => retryDelay(RETRY_POLICIES.redisReconnect, attempt);

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
    retryStrategy,
  };
}

/** `host:port` (IPv6 as `[addr]:port`, validated by the config schema) → an ioredis cluster node. */
export function clusterNode(text: string): ClusterNode {
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(text.slice(colon + 1)) };
}

export function clusterOptions(config: WardenConfig, live: boolean): ClusterOptions {
  const { lazyConnect: _lazy, enableOfflineQueue, retryStrategy: _retry, ...node } = redisOptions(config, live);
  return {
    redisOptions: node,
    enableOfflineQueue: enableOfflineQueue ?? true,
    // Commands always go to masters: a replica may lag behind the watermark a batch relies on.
    scaleReads: 'master',
    // Live: reconnect forever; a command that runs once gives up after about 20 s of no cluster.
    clusterRetryStrategy: (attempt: number) => (live || attempt <= 8 ? retryStrategy(attempt) : null),
    // While a replica is promoted (cluster-node-timeout), refused commands are retried this often.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: 2000,
    // The slot map is also refreshed now and then, so a failover elsewhere is noticed early.
    slotsRefreshInterval: 10_000,
  };
}

/** A client for the configured Redis or Redis Cluster (not yet listening for errors). */
export function createRedisClient(config: WardenConfig, live: boolean): RedisClient {
  if (config.redis.cluster.nodes.length > 0) return new Cluster(config.redis.cluster.nodes.map(clusterNode), clusterOptions(config, live));
  return new Redis(config.redis.url, redisOptions(config, live));
}

/** The baseline store's options from config (`keyPrefix` overrides `redis.keyPrefix`). */
export function redisStoreOptions(config: WardenConfig, keyPrefix?: string): RedisStoreOptions {
  return {
    keyPrefix: keyPrefix ?? config.redis.keyPrefix,
    ttlMs: config.baseline.idleTtlDays * 86_400_000,
    replicaAcks: config.redis.replicaAcks,
    replicaAckTimeoutMs: config.redis.replicaAckTimeoutMs,
  };
}

/** Where the client points, for logs (never the password). */
export function redisTarget(config: WardenConfig): string {
  if (config.redis.cluster.nodes.length > 0) return `cluster ${config.redis.cluster.nodes.join(',')}`;
  try {
    const url = new URL(config.redis.url);
    return `${url.protocol}//${url.host}`;
  } catch {
    return 'redis';
  }
}

export function connectRedis(config: WardenConfig, logger: Logger, live = true): RedisClient {
  const redis = createRedisClient(config, live);
  const log = logger.child({ component: 'redis', target: redisTarget(config) });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.error({ err: { message: err.message } }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('redis connection restored');
    down = false;
  });
  if (redis instanceof Cluster) {
    // Each node change (a replica promoted, a node gone) is worth a line: it explains a blip.
    redis.on('+node', (node: Redis) => log.info({ node: `${node.options.host}:${node.options.port}` }, 'redis cluster node added'));
    redis.on('-node', (node: Redis) => log.warn({ node: `${node.options.host}:${node.options.port}` }, 'redis cluster node removed'));
  }
  return redis;
}
