/**
 * The baseline store port. A batch is loaded with one call and written back with one call; the
 * write carries the partition offset of each identity's last event so that a redelivered event
 * (offset at or below the stored watermark) is never folded into a profile twice.
 */
import type { IdentityProfile } from './profile.js';

export interface LoadedProfile {
  profile: IdentityProfile | null;
  /** Highest offset of `partition` already applied to this identity, or null. */
  watermark: string | null;
}

export interface ProfileUpdate {
  identity: string;
  profile: IdentityProfile;
  /** Offset of the identity's last event in this batch (null when replaying without positions). */
  offset: string | null;
  /**
   * For a profile that the batches of every partition write (a peer group): applies this batch's
   * learning of it to another copy. A store whose write finds a newer version than the one loaded
   * (another batch wrote in between) applies the batch's learning to that version instead of
   * replacing it, so that neither batch's learning is lost.
   */
  replay?: (profile: IdentityProfile) => void;
}

export interface BaselineStore {
  /** Profiles (copies the caller owns) and watermarks for the given identities. */
  load(identities: readonly string[], partition: string | null): Promise<Map<string, LoadedProfile>>;
  /** Writes profiles and watermarks; per identity atomic. An update at or below the watermark is skipped. */
  apply(updates: readonly ProfileUpdate[], partition: string | null): Promise<void>;
  get(identity: string): Promise<IdentityProfile | null>;
  /** Forgets everything about the identity; returns whether it had a profile. */
  reset(identity: string): Promise<boolean>;
  /** Replaces the identity's profile (from `baseline export`). */
  put(profile: IdentityProfile): Promise<void>;
  close(): Promise<void>;
}

/** Kafka offsets are decimal strings that can exceed 2^53; compare them as integers. */
export function offsetAfter(offset: string, watermark: string | null): boolean {
  if (watermark === null) return true;
  return BigInt(offset) > BigInt(watermark);
}
