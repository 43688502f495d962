/**
 * A baseline store that never writes through: profiles are read from a base store (Redis, a
 * profiles file, or nothing) and what the decider learns stays in memory, in this process. Used by
 * `warden explain`, which must decide exactly as replay does without changing any profile.
 */
import type { BaselineStore, LoadedProfile, ProfileUpdate } from '../../baseline/store.js';
import type { IdentityProfile } from '../../baseline/profile.js';

export class OverlayBaselineStore implements BaselineStore {
  private readonly local = new Map<string, IdentityProfile>();
  private readonly forgotten = new Set<string>();
  /** Copies of what a `load` returned, when asked for with `snapshotNextLoad()`. */
  private snapshot: Map<string, IdentityProfile | null> | null = null;
  private snapshotWanted = false;

  /** `base` is only read; it is not closed by `close()` unless `ownsBase`. */
  constructor(private readonly base: BaselineStore | null, private readonly ownsBase = false) {}

  async load(identities: readonly string[], partition: string | null): Promise<Map<string, LoadedProfile>> {
    const out = new Map<string, LoadedProfile>();
    const fromBase: string[] = [];
    for (const id of identities) {
      if (out.has(id)) continue;
      const mine = this.local.get(id);
      // The decider is the only writer, one batch at a time: it may be handed its own objects.
      if (mine) out.set(id, { profile: mine, watermark: null });
      else if (this.forgotten.has(id) || !this.base) out.set(id, { profile: null, watermark: null });
      else fromBase.push(id);
    }
    if (fromBase.length > 0 && this.base) {
      for (const [id, loaded] of await this.base.load(fromBase, partition)) out.set(id, loaded);
    }
    if (this.snapshotWanted) {
      this.snapshotWanted = false;
      this.snapshot = new Map([...out].map(([id, l]) => [id, l.profile ? (structuredClone(l.profile) as IdentityProfile) : null]));
    }
    return out;
  }

  async apply(updates: readonly ProfileUpdate[], _partition: string | null): Promise<void> {
    for (const u of updates) {
      this.local.set(u.identity, u.profile);
      this.forgotten.delete(u.identity);
    }
  }

  async get(identity: string): Promise<IdentityProfile | null> {
    const mine = this.local.get(identity);
    if (mine) return structuredClone(mine) as IdentityProfile;
    if (this.forgotten.has(identity) || !this.base) return null;
    return this.base.get(identity);
  }

  async reset(identity: string): Promise<boolean> {
    const had = (await this.get(identity)) !== null;
    this.local.delete(identity);
    this.forgotten.add(identity);
    return had;
  }

  async put(profile: IdentityProfile): Promise<void> {
    this.local.set(profile.identity, structuredClone(profile) as IdentityProfile);
    this.forgotten.delete(profile.identity);
  }

  /** Keeps a copy of what the next `load` returns: the profiles the next batch is decided against. */
  snapshotNextLoad(): void {
    this.snapshotWanted = true;
  }

  /** From the snapshot: the identity's profile before the batch was decided, or null (none yet). */
  snapshotOf(identity: string): IdentityProfile | null {
    return this.snapshot?.get(identity) ?? null;
  }

  async close(): Promise<void> {
    if (this.ownsBase) await this.base?.close();
  }
}
