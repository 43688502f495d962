/**
 * Glob patterns for identity ids, actions and resources, with IAM semantics: `*` matches any
 * run of characters (including `/` and `:`, as in ARNs and `system:serviceaccount:ns:*`), `?`
 * exactly one. Matching is case-sensitive. Lists are compiled once, at load time, into an exact
 * set plus a single anchored regular expression, so a match is one hash lookup and at most one
 * regex test however many patterns the list holds.
 */

export interface PatternList {
  /** True when the list holds `*`: everything matches. */
  readonly any: boolean;
  readonly patterns: readonly string[];
  matches(value: string): boolean;
}

export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

function globSource(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else out += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return out;
}

/** Compiles one glob into an anchored regular expression. */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${globSource(pattern)}$`, 's');
}

/** Compiles a list of exact values and globs; an empty list matches nothing. */
export function compilePatterns(patterns: readonly string[]): PatternList {
  const exact = new Set<string>();
  const globs: string[] = [];
  for (const p of patterns) {
    if (isGlob(p)) globs.push(p);
    else exact.add(p);
  }
  const any = globs.some((g) => /^\*+$/.test(g));
  const regex = globs.length > 0 ? new RegExp(`^(?:${globs.map(globSource).join('|')})$`, 's') : null;
  return {
    any,
    patterns: [...patterns],
    matches(value: string): boolean {
      if (any || exact.has(value)) return true;
      return regex !== null && regex.test(value);
    },
  };
}
