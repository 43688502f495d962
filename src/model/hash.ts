/**
 * Feature hashing. FNV-1a (32 bit) is small, fast on short strings and stable across Node
 * versions and platforms, which matters more here than distribution quality: a model trained on
 * one machine must see the same bucket for the same action on every other one.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the UTF-16 code units of `text`, seeded so each feature group hashes independently. */
export function fnv1a(text: string, seed = 0): number {
  let h = (FNV_OFFSET ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** The bucket in `[0, buckets)` that `text` falls into for the group with this seed. */
export function hashBucket(text: string, buckets: number, seed: number): number {
  return fnv1a(text, seed) % buckets;
}
