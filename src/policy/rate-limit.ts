/**
 * Sliding-window rate limit by event time, per identity. Each identity keeps a ring of its last
 * `max` event times; the limit is exceeded when the oldest of them is still inside the window
 * (so this event would be call number max+1 within `windowMs`). Memory is bounded by `max` per
 * identity and by `maxIdentities` identities: beyond it the oldest-inserted identity whose window
 * has gone quiet is forgotten (second chance for identities still active, as in CLOCK), so a hit
 * costs one Map lookup and no reordering.
 */

export interface RateLimiter {
  /** Records the call; true when it is more than `max` calls within the window. */
  hit(identity: string, timeMs: number): boolean;
}

interface Ring {
  times: Float64Array;
  next: number;
  size: number;
  last: number;
}

const SECOND_CHANCES = 8;

export function createRateLimiter(max: number, windowMs: number, maxIdentities = 100_000): RateLimiter {
  const rings = new Map<string, Ring>();

  function evictOne(now: number): void {
    for (let i = 0; i < SECOND_CHANCES; i++) {
      const first = rings.entries().next().value;
      if (first === undefined) return;
      const [key, ring] = first;
      rings.delete(key);
      if (now - ring.last >= windowMs || i === SECOND_CHANCES - 1) return;
      rings.set(key, ring); // still active: move to the back, try the next one
    }
  }

  return {
    hit(identity, timeMs) {
      let ring = rings.get(identity);
      if (ring === undefined) {
        if (rings.size >= maxIdentities) evictOne(timeMs);
        ring = { times: new Float64Array(max), next: 0, size: 0, last: timeMs };
        rings.set(identity, ring);
      }
      const exceeded = ring.size === max && timeMs - (ring.times[ring.next] ?? 0) < windowMs;
      ring.times[ring.next] = timeMs;
      ring.next = (ring.next + 1) % max;
      if (ring.size < max) ring.size++;
      if (timeMs > ring.last) ring.last = timeMs;
      return exceeded;
    },
  };
}
