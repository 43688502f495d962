/**
 * Which policies govern an identity. Scope matching (globs over identity ids, classes,
 * environments, owners) is done once per distinct (identity, class, environment, owner) and
 * cached, so the per-event cost is one Map lookup however many policies are loaded.
 */
import type { CompiledPolicy, CompiledScope } from './compiled.js';

export interface ScopeSubject {
  identityId: string;
  class: string | null;
  environment: string | null;
  owner: string | null;
}

function fieldMatches(list: CompiledScope['identities'], value: string | null): boolean {
  return list === null || (value !== null && list.matches(value));
}

export function scopeMatches(scope: CompiledScope, s: ScopeSubject): boolean {
  return (
    fieldMatches(scope.identities, s.identityId) &&
    fieldMatches(scope.classes, s.class) &&
    fieldMatches(scope.environments, s.environment) &&
    fieldMatches(scope.owners, s.owner)
  );
}

interface CacheEntry<T> {
  class: string | null;
  environment: string | null;
  owner: string | null;
  policies: readonly T[];
}

export interface ScopeIndex<T> {
  lookup(s: ScopeSubject): readonly T[];
}

/**
 * Builds a cached index over `items`, each tied to a policy's scope. `narrow` may trim an item for
 * one subject (rules with their own scope) or drop it (null). `limit` bounds the cache.
 */
export function createScopeIndex<T extends { policy: CompiledPolicy }>(
  items: readonly T[],
  narrow: (item: T, subject: ScopeSubject) => T | null = (item) => item,
  limit = 100_000,
): ScopeIndex<T> {
  // Exact identity ids narrow candidates without running a single glob.
  const byExactId = new Map<string, T[]>();
  const rest: T[] = [];
  for (const item of items) {
    const ids = item.policy.scope.identities;
    if (ids !== null && ids.patterns.every((p) => !p.includes('*') && !p.includes('?'))) {
      for (const id of ids.patterns) {
        const bucket = byExactId.get(id) ?? [];
        bucket.push(item);
        byExactId.set(id, bucket);
      }
    } else rest.push(item);
  }
  // identity id → the (class, environment, owner) variants seen with it; almost always one.
  const cache = new Map<string, CacheEntry<T>[]>();
  return {
    lookup(s) {
      const variants = cache.get(s.identityId);
      if (variants !== undefined) {
        // Indexed: this runs for every event, and for…of would allocate an iterator each time.
        for (let i = 0; i < variants.length; i++) {
          const v = variants[i]!;
          if (v.class === s.class && v.environment === s.environment && v.owner === s.owner) return v.policies;
        }
      }
      const candidates = new Set([...(byExactId.get(s.identityId) ?? []), ...rest]);
      // Keep file order so explanations list policies in a stable order.
      const policies = items
        .filter((item) => candidates.has(item) && scopeMatches(item.policy.scope, s))
        .map((item) => narrow(item, s))
        .filter((item): item is T => item !== null);
      if (cache.size >= limit) cache.clear();
      const entry = { class: s.class, environment: s.environment, owner: s.owner, policies };
      if (variants !== undefined && cache.has(s.identityId)) variants.push(entry);
      else cache.set(s.identityId, [entry]);
      return policies;
    },
  };
}
