import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../../src/policy/rate-limit.js';

describe('rate limiter', () => {
  it('flags the call that makes max+1 within the sliding window', () => {
    const rl = createRateLimiter(2, 1000);
    expect([rl.hit('a', 0), rl.hit('a', 100), rl.hit('a', 200)]).toEqual([false, false, true]);
    expect(rl.hit('a', 1150)).toBe(false); // 200 and 1150 only... 100 left the window at 1100
  });

  it('forgets the least recently seen identity beyond its bound', () => {
    const rl = createRateLimiter(1, 1000, 2);
    rl.hit('a', 0);
    rl.hit('b', 0);
    rl.hit('c', 0); // evicts a
    expect(rl.hit('a', 10)).toBe(false);
    expect(rl.hit('c', 20)).toBe(true);
  });
});
