/**
 * A pure function memoised in a bounded cache: values derived from strings and numbers that repeat
 * heavily from event to event (networks, user-agent families, resource patterns, days) are asked
 * for on every event. The cache starts over when it holds `max` keys, so values an attacker
 * chooses cannot grow it without limit.
 */
export function memoised<K, V>(compute: (key: K) => V, max = 50_000): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    let out = cache.get(key);
    if (out === undefined) {
      out = compute(key);
      if (cache.size >= max) cache.clear();
      cache.set(key, out);
    }
    return out;
  };
}
