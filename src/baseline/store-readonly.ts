/**
 * A read-only view of a baseline store with a short-lived local cache, for deciders that must
 * never learn: `warden gateway --inline` decides each request against the baselines `warden run`
 * keeps, and only `run` writes them (learning stays exactly-once, from the audit event).
 *
 * - `load` reads through the wrapped store (the Redis store: one pipeline per call) and keeps each
 *   profile for `ttlMs`; every caller gets its own deep copy (`copyOf`), because the decider folds the event
 *   into what it loaded. Identities without a profile are cached too (as absent). Concurrent
 *   loads of the same identity share one read. Watermarks are never cached (they only matter to a
 *   writer) and are reported as null.
 * - `apply` does nothing: it is the decider's learning step, discarded by design. The number of
 *   updates discarded is counted (`stats().discarded`).
 * - `put` and `reset` are operator writes and throw `WARDEN_STORE_READ_ONLY`: a caller that
 *   means to write is using the wrong store.
 */
import { WardenError } from '../errors.js';
import type { IdentityProfile } from './profile.js';
import type { BaselineStore, LoadedProfile, ProfileUpdate } from './store.js';

export interface ReadOnlyStoreOptions {
  /** How long a loaded profile is reused before it is read again. 0 disables the cache. @defaultValue 1000 */
  ttlMs?: number;
  /** Profiles kept at most (oldest dropped first). @defaultValue 10000 */
  maxEntries?: number;
  /** Wall clock in ms (tests pass their own). */
  now?: () => number;
}

export interface ReadOnlyStoreStats {
  /** Profiles served from the cache. */
  hits: number;
  /** Profiles read through the wrapped store. */
  misses: number;
  /** Profile updates the decider handed to `apply` and that were dropped. */
  discarded: number;
  /** Profiles (or known absences) in the cache. */
  cached: number;
}

interface Entry {
  profile: IdentityProfile | null;
  expiresAt: number;
}

export class ReadOnlyBaselineStore implements BaselineStore {
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<IdentityProfile | null>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly counters = { hits: 0, misses: 0, discarded: 0 };

  constructor(private readonly inner: BaselineStore, options: ReadOnlyStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? 1000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  stats(): ReadOnlyStoreStats {
    return { ...this.counters, cached: this.cache.size };
  }

  async load(identities: readonly string[], _partition: string | null): Promise<Map<string, LoadedProfile>> {
    const unique = [...new Set(identities)];
    const now = this.now();
    const found = new Map<string, IdentityProfile | null>();
    const waits: Array<Promise<void>> = [];
    const missing: string[] = [];
    for (const id of unique) {
      const entry = this.cache.get(id);
      if (entry && entry.expiresAt > now) {
        this.counters.hits++;
        found.set(id, entry.profile);
        continue;
      }
      const pending = this.inflight.get(id);
      if (pending) {
        this.counters.hits++;
        waits.push(pending.then((p) => void found.set(id, p)));
        continue;
      }
      missing.push(id);
    }
    if (missing.length > 0) {
      this.counters.misses += missing.length;
      // One read for every identity missing here; later callers wait on it instead of reading again.
      const read = this.inner.load(missing, null);
      for (const id of missing) {
        const one = read.then((loaded) => loaded.get(id)?.profile ?? null);
        this.inflight.set(id, one);
        // A failed read is not cached: the next request tries Redis again.
        one.catch(() => undefined).finally(() => {
          if (this.inflight.get(id) === one) this.inflight.delete(id);
        });
      }
      const loaded = await read;
      const expiresAt = this.now() + this.ttlMs;
      for (const id of missing) {
        const profile = loaded.get(id)?.profile ?? null;
        found.set(id, profile);
        if (this.ttlMs > 0) this.remember(id, { profile, expiresAt });
      }
    }
    await Promise.all(waits);
    const out = new Map<string, LoadedProfile>();
    for (const id of unique) {
      const profile = found.get(id) ?? null;
      out.set(id, { profile: profile === null ? null : copyOf(profile), watermark: null });
    }
    return out;
  }

  private remember(id: string, entry: Entry): void {
    this.cache.delete(id);
    if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(id, entry);
  }

  /** The decider's learning: dropped (only `warden run` writes baselines). */
  async apply(updates: readonly ProfileUpdate[], _partition: string | null): Promise<void> {
    this.counters.discarded += updates.length;
  }

  async get(identity: string): Promise<IdentityProfile | null> {
    return (await this.load([identity], null)).get(identity)?.profile ?? null;
  }

  reset(identity: string): Promise<boolean> {
    return Promise.reject(readOnly(`reset ${identity}`));
  }

  put(profile: IdentityProfile): Promise<void> {
    return Promise.reject(readOnly(`put the profile of ${profile.identity}`));
  }

  /** Forgets every cached profile (the next load reads the store). */
  clear(): void {
    this.cache.clear();
  }

  async close(): Promise<void> {
    this.cache.clear();
    await this.inner.close();
  }
}

/**
 * Deep copy of JSON data (profiles are plain JSON: numbers, strings, arrays, objects). About five
 * times faster than structuredClone on a profile, which matters once per inline decision.
 */
export function copyOf<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      out[i] = typeof v === 'object' && v !== null ? copyOf(v) : v;
    }
    return out as T;
  }
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const v = source[key];
    out[key] = typeof v === 'object' && v !== null ? copyOf(v) : v;
  }
  return out as T;
}

function readOnly(what: string): WardenError {
  return new WardenError('WARDEN_STORE_READ_ONLY', `cannot ${what}: this baseline store is read-only (the inline gateway never writes baselines; use warden baseline against the store warden run uses)`);
}
