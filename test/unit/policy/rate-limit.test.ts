import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../../src/policy/rate-limit.js';

describe('rate limiter', () => {
  it('flags the call that makes max+1 within the sliding window', () => {
    const rl = createRateLimiter(2, 1000);
    expect([rl.hit('a', 0), rl.hit('a', 100), rl.hit('a', 200)]).toEqual([false, false, true]);
    expect(rl.hit('a', 1150)).toBe(false); // 200 and 1150 only... 100 left the window at 1100
  });

  it('beyond its bound, forgets an identity whose window went quiet before an active one', () => {
    const rl = createRateLimiter(1, 1000, 2);
    rl.hit('a', 0); // a goes quiet
    rl.hit('b', 0);
    rl.hit('b', 1500); // b is active (window exceeded is false: 1500 - 0 >= 1000)
    rl.hit('a', 100); // a's window: still holds 0 → exceeded, but a stays first in line
    rl.hit('c', 1600); // evicts a (quiet since 100), keeps b
    expect(rl.hit('b', 1700)).toBe(true); // b's window survived: 1500 and 1700
    expect(rl.hit('a', 1800)).toBe(false); // a starts afresh
  });
});
