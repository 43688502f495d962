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
  /** JSON of the identity's profile. */
  profile: string;
  /** Hash partition → highest offset applied to this identity. */
  watermarks: string;
}

export function baselineKeys(prefix: string, identity: string): BaselineKeys {
  const base = `${prefix}:baseline:{${tag(identity)}}`;
  return { profile: `${base}:profile`, watermarks: `${base}:wm` };
}
