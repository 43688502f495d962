/**
 * In-process store for replay and tests. Profiles are kept as JSON text, exactly as Redis keeps
 * them, so both stores hand the decider the same numbers and give the same decisions.
 */
import type { BaselineStore, LoadedProfile, ProfileUpdate } from './store.js';
import { offsetAfter } from './store.js';
import type { IdentityProfile } from './profile.js';

interface Entry {
  json: string;
  watermarks: Map<string, string>;
}

export class MemoryBaselineStore implements BaselineStore {
  private readonly entries = new Map<string, Entry>();

  async load(identities: readonly string[], partition: string | null): Promise<Map<string, LoadedProfile>> {
    const out = new Map<string, LoadedProfile>();
    for (const id of identities) {
      if (out.has(id)) continue;
      const e = this.entries.get(id);
      out.set(id, {
        profile: e ? (JSON.parse(e.json) as IdentityProfile) : null,
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
      const next: Entry = e ?? { json: '', watermarks: new Map() };
      next.json = JSON.stringify(u.profile);
      if (partition !== null && u.offset !== null) next.watermarks.set(partition, u.offset);
      this.entries.set(u.identity, next);
    }
  }

  async get(identity: string): Promise<IdentityProfile | null> {
    const e = this.entries.get(identity);
    return e ? (JSON.parse(e.json) as IdentityProfile) : null;
  }

  async reset(identity: string): Promise<boolean> {
    return this.entries.delete(identity);
  }

  async put(profile: IdentityProfile): Promise<void> {
    const e = this.entries.get(profile.identity);
    this.entries.set(profile.identity, { json: JSON.stringify(profile), watermarks: e?.watermarks ?? new Map() });
  }

  /** Identities held, for `baseline` commands over a replay's memory store. */
  identities(): string[] {
    return [...this.entries.keys()];
  }

  async close(): Promise<void> {}
}
