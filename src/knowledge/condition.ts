/**
 * Conditions of knowledge-pack entries (`when:`), compiled once into closures. A condition is a
 * group (`all: [...]`, `any: [...]`, `not: {...}`, `some: <list path>, where: {...}` whose relative
 * paths `.x` read each element), a leaf (`field: <path>` and one operator), or a
 * list (all of them). A leaf is true when any value the path reaches satisfies the operator.
 * Operators: equals, in, matches (glob, or `/regex/flags`), contains (a value anywhere inside the
 * subtree, JSON strings parsed), hasKey (an object at the path has one of the keys), exists, lessThan, greaterThan, sameAs / differsFrom (another field of
 * the same event), foreignAccount (a 12-digit AWS account id in the subtree other than the one
 * at the given path). See docs/detections.md.
 */
import type { WardenEvent } from '../events/event.js';
import { globToRegExp, isGlob } from '../common/glob.js';
import { compilePath, someLeaf } from './paths.js';
import type { PathReader } from './paths.js';

/** `scope` is the element a `some` group is looking at (relative paths read from it). */
export type Condition = (event: WardenEvent, scope?: unknown) => boolean;

export const OPERATORS = [
  'equals', 'in', 'matches', 'contains', 'hasKey', 'exists', 'lessThan', 'greaterThan', 'sameAs', 'differsFrom', 'foreignAccount',
] as const;
type Operator = (typeof OPERATORS)[number];
const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);
const GROUPS = ['all', 'any', 'not', 'some'] as const;

/** Reports a problem at a path below the condition's own position. */
export type IssueSink = (at: readonly PropertyKey[], message: string) => void;

type Scalar = string | number | boolean;
const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
/** Scalars compare by their text, so `22` in the file matches `"22"` in a record and back. */
const key = (v: unknown): string | undefined => (isScalar(v) ? String(v) : undefined);

const ACCOUNT_IN_TEXT = /(?:^|:)(\d{12})(?=:|$)/;

/** A 12-digit AWS account id named by a string (a bare id or inside an ARN). */
function accountOf(text: string): string | undefined {
  return ACCOUNT_IN_TEXT.exec(text)?.[1];
}

/** Compiles `matches`: `/…/flags` is a regular expression (searched), anything else a glob (anchored). */
export function compileMatcher(pattern: string): RegExp | string {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (re) {
    try {
      return new RegExp(re[1] ?? '', re[2]);
    } catch (err) {
      return (err as Error).message;
    }
  }
  return isGlob(pattern) ? globToRegExp(pattern) : new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 's');
}

function leaf(read: PathReader, op: Operator, value: unknown, at: readonly PropertyKey[], issue: IssueSink): Condition | null {
  const where = [...at, op];
  switch (op) {
    case 'equals': {
      const want = key(value);
      if (want === undefined) return (issue(where, 'equals takes a string, number or boolean'), null);
      return (e, s) => read(e, s).some((v) => key(v) === want);
    }
    case 'in': {
      if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar)) return (issue(where, 'in takes a non-empty list of strings or numbers'), null);
      const set = new Set(value.map(String));
      return (e, s) => read(e, s).some((v) => { const k = key(v); return k !== undefined && set.has(k); });
    }
    case 'matches': {
      const patterns = Array.isArray(value) ? value : [value];
      if (patterns.length === 0 || !patterns.every((p) => typeof p === 'string')) return (issue(where, 'matches takes a glob or /regex/, or a list of them'), null);
      const res: RegExp[] = [];
      for (const p of patterns as string[]) {
        const re = compileMatcher(p);
        if (typeof re === 'string') return (issue(where, `invalid regular expression ${p}: ${re}`), null);
        res.push(re);
      }
      return (e, s) => read(e, s).some((v) => typeof v === 'string' && res.some((re) => re.test(v)));
    }
    case 'contains': {
      const wanted = Array.isArray(value) ? value : [value];
      if (wanted.length === 0 || !wanted.every(isScalar)) return (issue(where, 'contains takes a string, number or boolean, or a list of them'), null);
      const set = new Set(wanted.map(String));
      const hit = (l: unknown): boolean => { const k = key(l); return k !== undefined && set.has(k); };
      return (e, s) => read(e, s).some((v) => someLeaf(v, hit));
    }
    case 'hasKey': {
      const wanted = Array.isArray(value) ? value : [value];
      if (wanted.length === 0 || !wanted.every((k) => typeof k === 'string')) return (issue(where, 'hasKey takes a key name or a list of them'), null);
      return (e, s) => read(e, s).some((v) => v !== null && typeof v === 'object' && !Array.isArray(v) && (wanted as string[]).some((k) => Object.hasOwn(v, k)));
    }
    case 'exists': {
      if (typeof value !== 'boolean') return (issue(where, 'exists takes true or false'), null);
      return value ? (e, s) => read(e, s).length > 0 : (e, s) => read(e, s).length === 0;
    }
    case 'lessThan':
    case 'greaterThan': {
      if (typeof value !== 'number') return (issue(where, `${op} takes a number`), null);
      const less = op === 'lessThan';
      return (e, s) => read(e, s).some((v) => {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        return Number.isFinite(n) && (less ? n < value : n > value);
      });
    }
    case 'sameAs':
    case 'differsFrom':
    case 'foreignAccount': {
      const other = typeof value === 'string' ? compilePath(value) : null;
      if (!other) return (issue(where, `${op} takes the path of another field of the event (e.g. identity.name)`), null);
      if (op === 'sameAs') {
        return (e, s) => {
          const mine = new Set(read(e, s).map(key));
          return other(e, s).some((v) => key(v) !== undefined && mine.has(key(v)));
        };
      }
      if (op === 'differsFrom') {
        // True when the field is there and equals none of the other field's values (which may be absent).
        return (e, s) => {
          const values = read(e, s);
          if (values.length === 0) return false;
          const theirs = new Set(other(e, s).map(key));
          return values.some((v) => { const k = key(v); return k !== undefined && !theirs.has(k); });
        };
      }
      return (e, s) => {
        const own = new Set(other(e, s).map(key));
        const foreign = (l: unknown): boolean => {
          const account = typeof l === 'string' ? accountOf(l) : typeof l === 'number' ? accountOf(String(l).padStart(12, '0')) : undefined;
          return account !== undefined && !own.has(account);
        };
        return read(e, s).some((v) => someLeaf(v, foreign));
      };
    }
  }
}

/** Compiles a condition; problems go to `issue` (and null comes back). */
export function compileCondition(raw: unknown, at: readonly PropertyKey[], issue: IssueSink, inSome = false): Condition | null {
  if (Array.isArray(raw)) {
    if (raw.length === 0) return (issue(at, 'an empty condition list: remove `when` instead'), null);
    const parts = raw.map((c, i) => compileCondition(c, [...at, i], issue, inSome));
    if (parts.some((p) => p === null)) return null;
    return all(parts as Condition[]);
  }
  if (raw === null || typeof raw !== 'object') return (issue(at, 'a condition is a mapping: { field, <operator> }, { all }, { any } or { not }'), null);
  const obj = raw as Record<string, unknown>;
  const keys = Object.keys(obj);
  const group = GROUPS.find((g) => g in obj);
  if (group) {
    const extra = keys.filter((k) => k !== group && !(group === 'some' && k === 'where'));
    if (extra.length > 0) return (issue([...at, extra[0] as string], `unknown field next to ${group} (a group holds only its conditions)`), null);
    const inner = obj[group];
    if (group === 'some') {
      // { some: <path>, where: <condition> }: one element of the path satisfies the whole condition.
      // One path, or several (the same list may sit under different request fields).
      const paths = typeof inner === 'string' ? [inner] : Array.isArray(inner) && inner.length > 0 && inner.every((p) => typeof p === 'string') ? (inner as string[]) : [];
      const readers = paths.map((p) => compilePath(p));
      if (paths.length === 0 || readers.some((r) => r === null)) return (issue([...at, 'some'], 'some takes the path of a list (e.g. attributes.request.bucketPolicy.Statement), or a list of such paths'), null);
      const read: PathReader = readers.length === 1 ? (readers[0] as PathReader) : (e, s) => (readers as PathReader[]).flatMap((r) => r(e, s));
      const bad = keys.find((k) => k !== 'some' && k !== 'where');
      if (bad !== undefined) return (issue([...at, bad], 'unknown field next to some (expected where)'), null);
      if (!('where' in obj)) return (issue(at, 'some needs where: the condition an element must satisfy (relative paths start with .)'), null);
      const where = compileCondition(obj.where, [...at, 'where'], issue, true);
      return where && ((e, s) => read(e, s).some((el) => where(e, el)));
    }
    if (group === 'not') {
      const c = compileCondition(inner, [...at, 'not'], issue, inSome);
      return c && ((e, s) => !c(e, s));
    }
    if (!Array.isArray(inner) || inner.length === 0) return (issue([...at, group], `${group} takes a non-empty list of conditions`), null);
    const parts = inner.map((c, i) => compileCondition(c, [...at, group, i], issue, inSome));
    if (parts.some((p) => p === null)) return null;
    return group === 'all' ? all(parts as Condition[]) : any(parts as Condition[]);
  }
  if (typeof obj.field !== 'string') return (issue(at, 'a condition needs field (or all / any / not)'), null);
  if (obj.field.startsWith('.') && !inSome) return (issue([...at, 'field'], `relative path "${obj.field}" outside a some group: start it with action, resource, identity, source or attributes`), null);
  const read = compilePath(obj.field);
  if (!read) return (issue([...at, 'field'], `unknown field path "${obj.field}" (paths start with action, resource, outcome, identity, source, readOnly or attributes)`), null);
  const ops = keys.filter((k) => k !== 'field');
  const unknown = ops.find((k) => !OPERATOR_SET.has(k));
  if (unknown !== undefined) return (issue([...at, unknown], `unknown operator "${unknown}" (expected one of ${OPERATORS.join(', ')})`), null);
  if (ops.length !== 1) return (issue(at, `a condition takes exactly one operator, found ${ops.length === 0 ? 'none' : ops.join(', ')}`), null);
  const op = ops[0] as Operator;
  return leaf(read, op, obj[op], at, issue);
}

function all(parts: readonly Condition[]): Condition {
  if (parts.length === 1) return parts[0] as Condition;
  return (e, s) => parts.every((p) => p(e, s));
}

function any(parts: readonly Condition[]): Condition {
  return (e, s) => parts.some((p) => p(e, s));
}

/** Renders a condition in words for the docs table, e.g. `request.cidrIp in 0.0.0.0/0, ::/0`. */
export function describeCondition(raw: unknown): string {
  if (Array.isArray(raw)) return raw.map(describeCondition).join(' and ');
  if (raw === null || typeof raw !== 'object') return String(raw);
  const obj = raw as Record<string, unknown>;
  if (Array.isArray(obj.all)) return `(${obj.all.map(describeCondition).join(' and ')})`;
  if (Array.isArray(obj.any)) return `(${obj.any.map(describeCondition).join(' or ')})`;
  if ('not' in obj) return `not ${describeCondition(obj.not)}`;
  if ('some' in obj) return `some ${[obj.some].flat().map((p) => String(p).replace(/^attributes\./, '')).join(' or ')} with ${describeCondition(obj.where)}`;
  const field = String(obj.field).replace(/^attributes\./, '');
  const op = Object.keys(obj).find((k) => k !== 'field') ?? '?';
  const v = obj[op];
  const value = Array.isArray(v) ? v.map(String).join(', ') : String(v);
  return `${field} ${op} ${value}`;
}
