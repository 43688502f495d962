/**
 * One retry policy for everything that talks to Kafka or Redis, as KafkaJS has one `createRetry`
 * for all its layers: exponential backoff with jitter, named policies whose numbers live here, and
 * `withRetry`, which retries only what says it can help (`retriable` on a WardenError or a kafkajs
 * error, anywhere in the cause chain) and bails out at once on the rest. The kafkajs clients and
 * the ioredis reconnects take their options from the same policies.
 */
import { causeChain } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first try; `Infinity` for as long as the caller keeps going. */
  retries: number;
  /** Delay before the first retry, ms. */
  initialMs: number;
  /** Upper bound on one delay, ms. */
  maxMs: number;
  /** Growth of the delay per retry. */
  multiplier: number;
  /** Each delay is drawn uniformly within ±`jitter` of itself (0.2 = ±20%), so clients that failed together do not retry together. */
  jitter: number;
  /** What an error that carries no `retriable` flag (a plain Error, a socket error) means. */
  unflagged: 'retry' | 'fail';
}

const base = { multiplier: 2, jitter: 0.2 } as const;

/** The named policies (docs/operations.md "Retries"). */
export const RETRY_POLICIES = {
  /** A kafkajs client of a long-running process (producer, admin): per request. */
  kafkaClient: { ...base, retries: 20, initialMs: 300, maxMs: 5000, unflagged: 'fail' },
  /**
   * The `warden run` consumer-group member and its producer; after the retries kafkajs restarts
   * the consumer. Short on purpose: kafkajs retries a dead broker (a partition's old leader) until
   * the budget is spent, and only then reads the metadata again; 8 tries up to 2 s apart cost
   * ~12 s, where 30 up to 5 s apart stalled the stream for over two minutes after a leader's
   * broker was killed (test/integration/kafka-cluster.test.ts).
   */
  consumerGroup: { ...base, retries: 8, initialMs: 300, maxMs: 2000, unflagged: 'fail' },
  /** The enforcer SDK's own kafkajs client (it has its staleness clock on top). */
  enforcerClient: { ...base, retries: 5, initialMs: 300, maxMs: 5000, unflagged: 'fail' },
  /** The kafkajs consumer inside a blocks follower; the follower itself starts over after it. */
  followerClient: { ...base, retries: 5, initialMs: 300, maxMs: 5000, unflagged: 'fail' },
  /** A blocks follower starting over (enforcers, `warden run`): for as long as it is open. */
  follower: { ...base, retries: Number.POSITIVE_INFINITY, initialMs: 500, maxMs: 10_000, unflagged: 'retry' },
  /** The Redis connection reconnecting: forever (commands fail fast meanwhile, see failMode). */
  redisReconnect: { ...base, retries: Number.POSITIVE_INFINITY, initialMs: 100, maxMs: 3000, unflagged: 'retry' },
} as const satisfies Record<string, RetryPolicy>;

export type RetryPolicyName = keyof typeof RETRY_POLICIES;

/** The delay before retry number `retry` (1 for the first), jittered. */
export function retryDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, retry - 1);
  // Past ~40 doublings the delay is the cap anyway; keep the power finite.
  const raw = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.min(exponent, 40));
  const spread = raw * policy.jitter;
  return Math.max(0, Math.round(raw - spread + 2 * spread * random()));
}

/**
 * Whether an error says retrying can help: the first `retriable` flag along its cause chain
 * decides, else the policy's `unflagged`. kafkajs' "number of retries exceeded" is skipped: it
 * only says kafkajs stopped, its cause says whether a later try can help.
 */
export function isRetriable(err: unknown, policy: Pick<RetryPolicy, 'unflagged'>): boolean {
  for (const e of causeChain(err)) {
    if (e.name === 'KafkaJSNumberOfRetriesExceeded') continue;
    const flag = (e as { retriable?: unknown }).retriable;
    if (typeof flag === 'boolean') return flag;
  }
  return policy.unflagged === 'retry';
}

/** kafkajs `retry` options for a policy (kafkajs draws its own jitter the same way). */
export function kafkaRetryOptions(policy: RetryPolicy): { retries: number; initialRetryTime: number; maxRetryTime: number; multiplier: number; factor: number } {
  return { retries: policy.retries, initialRetryTime: policy.initialMs, maxRetryTime: policy.maxMs, multiplier: policy.multiplier, factor: policy.jitter };
}

export interface WithRetryOptions {
  /** Aborting stops the retries: the wait ends at once and the last error is thrown. */
  signal?: AbortSignal;
  /** Called before each wait. */
  onRetry?: (err: unknown, retry: number, delayMs: number) => void;
  /** For tests. @defaultValue Math.random */
  random?: () => number;
}

/** Runs `fn` until it succeeds, an error is not retriable, the retries run out or `signal` aborts. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy, options: WithRetryOptions = {}): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= policy.retries || options.signal?.aborted || !isRetriable(err, policy)) throw err;
      const delay = retryDelay(policy, attempt + 1, options.random);
      options.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, options.signal);
      if (options.signal?.aborted) throw err;
    }
  }
}

/** Waits `ms`, or less when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
