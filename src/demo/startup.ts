/**
 * What keeps the demo from failing on a slow or busy broker: start-up errors that only mean "not
 * yet" (a broker still loading its coordinator, topics whose leaders are still being elected, a
 * broker or Redis not listening yet) are retried within a time budget; anything else, or running
 * out of budget, is reported once, plainly. Also the clean-up of what a demo run created.
 */
import { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { WardenError } from '../errors.js';

/** kafkajs protocol error types that mean "try again shortly" while a broker starts or topics appear. */
const RETRIABLE_TYPES = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'GROUP_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_CONTROLLER',
  'REBALANCE_IN_PROGRESS',
  'REQUEST_TIMED_OUT',
  'NOT_ENOUGH_REPLICAS',
  'TOPIC_ALREADY_EXISTS',
]);
/** kafkajs error classes of a broker that is not (yet) answering. */
const RETRIABLE_NAMES = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSTimeout', 'KafkaJSBrokerNotFound', 'KafkaJSLockTimeout', 'KafkaJSMetadataNotLoaded', 'KafkaJSTopicMetadataNotLoaded', 'KafkaJSGroupCoordinatorNotFound', 'KafkaJSStaleTopicMetadataAssignment']);
/** Node socket errors of a service that is not listening yet. */
const RETRIABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

interface ErrorLike {
  name?: unknown;
  type?: unknown;
  code?: unknown;
  retriable?: unknown;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
}

/** The error, its causes (`cause`, kafkajs' `originalError`) and aggregated errors, at most 32. */
function* related(err: unknown): Generator<ErrorLike> {
  const queue: unknown[] = [err];
  for (let seen = 0; queue.length > 0 && seen < 32; seen++) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object') continue;
    const like = e as ErrorLike;
    yield like;
    queue.push(like.cause, like.originalError, ...(Array.isArray(like.errors) ? (like.errors as unknown[]) : []));
  }
}

/** True when the error (or what caused it) only says the broker or Redis is not ready yet. */
export function isRetriableStartupError(err: unknown): boolean {
  for (const e of related(err)) {
    // Configuration errors (bad credentials, certificates, keys) do not heal by waiting.
    if (e instanceof WardenError) {
      if (e.code !== 'WARDEN_KAFKA_UNAVAILABLE' && e.code !== 'WARDEN_STORE_UNAVAILABLE') return false;
      continue;
    }
    if (typeof e.type === 'string' && RETRIABLE_TYPES.has(e.type)) return true;
    if (typeof e.name === 'string' && RETRIABLE_NAMES.has(e.name)) return true;
    if (typeof e.code === 'string' && RETRIABLE_CODES.has(e.code)) return true;
    if (e.retriable === true) return true;
  }
  return false;
}

export interface RetryOptions {
  /** Total time allowed for all attempts. */
  budgetMs: number;
  /** Called before each new attempt, with the error of the last one. */
  onRetry?: (err: unknown, attempt: number, remainingMs: number) => void;
  signal?: AbortSignal;
  /** What is being started, for the message when the budget runs out. */
  what: string;
}

/**
 * Runs `attempt` until it succeeds; retries a retriable start-up error (after a short, growing
 * pause) while the budget lasts. A non-retriable error is thrown as is; a budget that runs out
 * throws WARDEN_KAFKA_UNAVAILABLE naming the last error.
 */
export async function retryStartup<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const deadline = Date.now() + options.budgetMs;
  for (let n = 1; ; n++) {
    options.signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (err) {
      options.signal?.throwIfAborted();
      if (!isRetriableStartupError(err)) throw err;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const seconds = Math.round(options.budgetMs / 1000);
        throw new WardenError('WARDEN_KAFKA_UNAVAILABLE', `${options.what} did not become ready within ${seconds} s; last error: ${(err as Error).message}. Check the broker (npm run services:status) and try again.`, { cause: err });
      }
      options.onRetry?.(err, n, remaining);
      await new Promise((r) => setTimeout(r, Math.min(500 * n, 3000, remaining)));
    }
  }
}

/** Deletes the demo's topics (those that exist) and its consumer groups; missing ones are fine. */
export async function removeTopicsAndGroups(admin: Admin, topics: readonly string[], groups: readonly string[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const doomed = topics.filter((t) => existing.has(t));
  if (doomed.length > 0) await admin.deleteTopics({ topics: doomed, timeout: 15_000 });
  if (groups.length > 0) {
    const known = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
    const ours = groups.filter((g) => known.has(g));
    if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
  }
  return doomed;
}

/** Deletes every Redis key under `prefix:` (SCAN, never KEYS); returns how many. */
export async function removeRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  let removed = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) removed += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return removed;
}
