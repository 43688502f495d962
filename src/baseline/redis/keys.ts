/**
 * Every Redis key the baseline store uses, built here and nowhere else. The identity sits in a
 * `{hash tag}` so all of one identity's keys share a Redis Cluster slot and one script can update
 * them atomically.
 */

/** Braces inside an identity would end the hash tag early; escape them (and `%`). */
function tag(identity: string): string {
  return identity.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface BaselineKeys {
  /**
   * The identity's profile: a hash of sections (see profile-codec.ts) plus the store's own fields,
   * `#v` (version), `#e` (events) and `@<partition>` (highest offset applied from that partition).
   */
  profile: string;
  /** The layout before the hash: the profile as one JSON string (read and migrated, never written). */
  legacyProfile: string;
  /** The layout before the hash: partition → highest offset applied, and `__v`. */
  legacyWatermarks: string;
}

export function baselineKeys(prefix: string, identity: string): BaselineKeys {
  const base = `${prefix}:baseline:{${tag(identity)}}`;
  return { profile: `${base}:p`, legacyProfile: `${base}:profile`, legacyWatermarks: `${base}:wm` };
}

/** The hash tag of an identity's keys, the part Redis Cluster hashes to pick the slot. */
export function baselineHashTag(identity: string): string {
  return tag(identity);
}
