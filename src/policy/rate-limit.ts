/**
 * Sliding-window rate limit by event time, per identity. Each identity keeps a ring of its last
 * `max` event times; the limit is exceeded when the oldest of them is still inside the window
 * (so this event would be call number max+1 within `windowMs`). Memory is bounded by `max` per
 * identity and by `maxIdentities` identities (least recently seen forgotten first).
 */

export interface RateLimiter {
  /** Records the call; true when it is more than `max` calls within the window. */
  hit(identity: string, timeMs: number): boolean;
}

export function createRateLimiter(max: number, windowMs: number, maxIdentities = 100_000): RateLimiter {
  const rings = new Map<string, { times: Float64Array; next: number; size: number }>();
  return {
    hit(identity, timeMs) {
      let ring = rings.get(identity);
      if (ring === undefined) {
        if (rings.size >= maxIdentities) {
          const oldest = rings.keys().next().value;
          if (oldest !== undefined) rings.delete(oldest);
        }
        ring = { times: new Float64Array(max), next: 0, size: 0 };
      } else rings.delete(identity);
      rings.set(identity, ring);
      const oldest = ring.size < max ? NaN : (ring.times[ring.next] ?? NaN);
      const exceeded = ring.size === max && timeMs - oldest < windowMs;
      ring.times[ring.next] = timeMs;
      ring.next = (ring.next + 1) % max;
      if (ring.size < max) ring.size++;
      return exceeded;
    },
  };
}
