import { describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { WardenError } from '../../../src/errors.js';
import { isRetriable, kafkaRetryOptions, RETRY_POLICIES, retryDelay, withRetry } from '../../../src/retry.js';
import type { RetryPolicy } from '../../../src/retry.js';

const { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } = kafkajs;
const fast: RetryPolicy = { retries: 5, initialMs: 1, maxMs: 4, multiplier: 2, jitter: 0.2, unflagged: 'fail' };

describe('retry policy', () => {
  it('retries retriable errors until success, with growing jittered delays', async () => {
    const delays: number[] = [];
    let tries = 0;
    const result = await withRetry(
      async () => {
        if (++tries < 4) throw new WardenError('WARDEN_STORE_UNAVAILABLE', 'redis away', { retriable: true });
        return 'ok';
      },
      fast,
      { onRetry: (_err, _n, ms) => delays.push(ms), random: () => 1 },
    );
    expect(result).toBe('ok');
    expect(tries).toBe(4);
    expect(delays).toEqual([1, 2, 5]);
  });

  it('bails out at once on an error that says retrying cannot help, and after the last retry', async () => {
    let tries = 0;
    const fatal = new WardenError('WARDEN_KEY_INVALID', 'bad key');
    await expect(withRetry(async () => { tries++; throw fatal; }, fast)).rejects.toBe(fatal);
    expect(tries).toBe(1);
    tries = 0;
    await expect(withRetry(async () => { tries++; throw new KafkaJSConnectionError('refused'); }, fast)).rejects.toThrow('refused');
    expect(tries).toBe(fast.retries + 1);
  });

  it('reads the flag along the cause chain: kafkajs giving up defers to its cause', () => {
    // kafkajs builds it as (cause, { retryCount, retryTime }); its types declare only the first argument.
    const Exceeded = KafkaJSNumberOfRetriesExceeded as unknown as new (e: Error, o: { retryCount: number; retryTime: number }) => Error;
    const gaveUp = new Exceeded(new KafkaJSConnectionError('connection refused'), { retryCount: 5, retryTime: 300 });
    expect(isRetriable(gaveUp, fast)).toBe(true);
    expect(isRetriable(new KafkaJSNonRetriableError('Not authorized to access topics'), fast)).toBe(false);
    expect(isRetriable(new WardenError('WARDEN_KAFKA_UNAVAILABLE', 'x', { retriable: true }), fast)).toBe(true);
    expect(isRetriable(new Error('ECONNRESET'), fast)).toBe(false);
    expect(isRetriable(new Error('ECONNRESET'), RETRY_POLICIES.follower)).toBe(true);
  });

  it('stops waiting when aborted and throws the last error', async () => {
    const controller = new AbortController();
    const slow: RetryPolicy = { ...fast, retries: Number.POSITIVE_INFINITY, initialMs: 60_000, maxMs: 60_000 };
    const started = performance.now();
    const run = withRetry(async () => { throw new KafkaJSConnectionError('down'); }, slow, { signal: controller.signal });
    setImmediate(() => controller.abort());
    await expect(run).rejects.toThrow('down');
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('delays stay within the cap and the jitter, and kafkajs gets the same numbers', () => {
    for (let retry = 1; retry < 100; retry++) {
      const d = retryDelay(RETRY_POLICIES.redisReconnect, retry);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(3000 * 1.2);
    }
    expect(retryDelay(RETRY_POLICIES.follower, 1, () => 0.5)).toBe(500);
    expect(kafkaRetryOptions(RETRY_POLICIES.consumerGroup)).toEqual({ retries: 8, initialRetryTime: 300, maxRetryTime: 2000, multiplier: 2, factor: 0.2 });
  });
});
