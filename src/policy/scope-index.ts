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

export interface ScopeIndex<T> {
  lookup(s: ScopeSubject): readonly T[];
}

/** Builds a cached index over `items`, each tied to a policy's scope. `limit` bounds the cache. */
export function createScopeIndex<T extends { policy: CompiledPolicy }>(items: readonly T[], limit = 100_000): ScopeIndex<T> {
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
  const cache = new Map<string, readonly T[]>();
  return {
    lookup(s) {
      const key = `${s.identityId}\u0000${s.class ?? ''}\u0000${s.environment ?? ''}\u0000${s.owner ?? ''}`;
      let hit = cache.get(key);
      if (hit === undefined) {
        const candidates = new Set([...(byExactId.get(s.identityId) ?? []), ...rest]);
        // Keep file order so explanations list policies in a stable order.
        hit = items.filter((item) => candidates.has(item) && scopeMatches(item.policy.scope, s));
        if (cache.size >= limit) cache.clear();
        cache.set(key, hit);
      }
      return hit;
    },
  };
}
