/**
 * In-process store for replay and tests. For speed it hands the decider its own profile objects
 * instead of copies (the decider is the only writer, one batch at a time); profiles are plain
 * JSON-safe data, so this gives exactly the decisions the Redis store gives (an integration test
 * checks it byte for byte). `get` returns a copy. With `copies: true` it loads copies as an
 * external store does, so a batch whose learning is never stored leaves no trace (tests of the
 * live pipeline's order: publish, then learn).
 */
import type { BaselineStore, LoadedProfile, ProfileUpdate } from './store.js';
import { offsetAfter } from './store.js';
import type { IdentityProfile } from './profile.js';

interface Entry {
  profile: IdentityProfile;
  watermarks: Map<string, string>;
}

export class MemoryBaselineStore implements BaselineStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: { copies?: boolean } = {}) {}

  async load(identities: readonly string[], partition: string | null): Promise<Map<string, LoadedProfile>> {
    const out = new Map<string, LoadedProfile>();
    for (const id of identities) {
      if (out.has(id)) continue;
      const e = this.entries.get(id);
      out.set(id, {
        profile: e ? (this.options.copies ? structuredClone(e.profile) : e.profile) : null,
        watermark: e && partition !== null ? (e.watermarks.get(partition) ?? null) : null,
      });
    }
    return out;
  }

  async apply(updates: readonly ProfileUpdate[], partition: string | null): Promise<void> {
    for (const u of updates) {
      const e = this.entries.get(u.identity);
      if (partition !== null && u.offset !== null) {
        if (e && !offsetAfter(u.offset, e.watermarks.get(partition) ?? null)) continue;
      }
      const next: Entry = e ?? { profile: u.profile, watermarks: new Map() };
      next.profile = u.profile;
      if (partition !== null && u.offset !== null) next.watermarks.set(partition, u.offset);
      this.entries.set(u.identity, next);
    }
  }

  async get(identity: string): Promise<IdentityProfile | null> {
    const e = this.entries.get(identity);
    return e ? (JSON.parse(JSON.stringify(e.profile)) as IdentityProfile) : null;
  }

  async reset(identity: string): Promise<boolean> {
    return this.entries.delete(identity);
  }

  async put(profile: IdentityProfile): Promise<void> {
    const e = this.entries.get(profile.identity);
    this.entries.set(profile.identity, { profile: JSON.parse(JSON.stringify(profile)) as IdentityProfile, watermarks: e?.watermarks ?? new Map() });
  }

  /** Identities held, for `baseline` commands over a replay's memory store. */
  identities(): string[] {
    return [...this.entries.keys()];
  }

  async close(): Promise<void> {}
}
