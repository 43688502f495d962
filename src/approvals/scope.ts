/**
 * The scope of an approval: identity, optionally one token, action patterns and resource patterns.
 * Patterns are picomatch globs: `*` stays within one `/`-separated segment, `**` crosses them, so
 * `GET /items/*` covers `GET /items/7` and not `GET /items/7/delete`. The method of an HTTP action
 * (`get /x`) is compared upper-cased, as the gateway upper-cases methods. A grant is a permission:
 * the narrow reading of a pattern is the safe one.
 */
import picomatch from 'picomatch';
import { WardenError } from '../errors.js';

export interface ScopeMatcher {
  covers(identity: string, tokenId: string | undefined, action: string | undefined, resource: string | undefined): boolean;
}

export interface ScopeSpec {
  identity: string;
  tokenId?: string;
  actions: readonly string[];
  resources?: readonly string[];
}

const OPTIONS: picomatch.PicomatchOptions = { dot: true, nobrace: false, noextglob: true };

/** Upper-cases the method of `method /path` patterns and actions. */
export function canonicalActionPattern(pattern: string): string {
  const http = /^([A-Za-z]+) (\/.*)$/.exec(pattern.trim());
  return http ? `${(http[1] as string).toUpperCase()} ${http[2] as string}` : pattern.trim();
}

/** Compiled once to plain regular expressions: a check on a blocked identity runs them per request. */
/** `canonicalActionPattern` for values on the hot path: no allocation unless a method is lower-case. */
function canonicalAction(value: string): string {
  const space = value.indexOf(' ');
  if (space <= 0 || value.charCodeAt(space + 1) !== 47 /* / */) return value;
  const method = value.slice(0, space);
  return /^[A-Z]+$/.test(method) || !/^[A-Za-z]+$/.test(method) ? value : method.toUpperCase() + value.slice(space);
}

function compile(patterns: readonly string[], what: string): (value: string) => boolean {
  const regexes = patterns.map((p) => {
    if (p.trim() === '') throw new WardenError('WARDEN_USAGE', `an empty ${what} pattern covers nothing; give a glob such as "s3:GetObject" or "GET /items/*"`);
    try {
      return picomatch.makeRe(p, OPTIONS);
    } catch (cause) {
      throw new WardenError('WARDEN_USAGE', `cannot read ${what} pattern "${p}"`, { cause });
    }
  });
  return (value) => regexes.some((re) => re.test(value));
}

/** Checks the patterns and compiles them once; `covers` is then a few regex tests. */
export function compileScope(scope: ScopeSpec): ScopeMatcher {
  if (scope.actions.length === 0) throw new WardenError('WARDEN_USAGE', 'an approval needs at least one action pattern (--action)');
  const action = compile(scope.actions.map(canonicalActionPattern), 'action');
  const resource = scope.resources && scope.resources.length > 0 ? compile(scope.resources, 'resource') : null;
  return {
    covers(identity, tokenId, actionValue, resourceValue) {
      if (identity !== scope.identity) return false;
      if (scope.tokenId !== undefined && tokenId !== scope.tokenId) return false;
      // Nothing to compare: a grant never widens what an unknown action may do.
      if (actionValue === undefined || !action(canonicalAction(actionValue))) return false;
      if (resource !== null && (resourceValue === undefined || !resource(resourceValue))) return false;
      return true;
    },
  };
}
