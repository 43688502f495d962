/**
 * A rule's `detection` compiled into one predicate over the original record: each search
 * identifier (a map of fields: all must match; a list of maps: any; a list of strings: keywords
 * found anywhere in the record) and the condition that combines them.
 */
import { compileCondition, ConditionProblem, namesOf, parseCondition } from './condition.js';
import type { ConditionNode, RecordTest } from './condition.js';
import { compileFieldPath, scalarsOf, someScalar } from './fields.js';
import type { FieldValues } from './fields.js';
import { compileFieldTest } from './values.js';
import type { CompileProblems, ValuesTest } from './values.js';

export interface CompiledDetection {
  matches: RecordTest;
  /** Field paths the condition reads (without modifiers); `*` stands for a keyword search. */
  fields: ReadonlySet<string>;
  /**
   * The values (lower-cased) the index field must equal for the rule to match at all, or null
   * when the condition does not pin it (the rule is evaluated on every record of its source).
   */
  keys: ReadonlySet<string> | null;
}

type Keys = ReadonlySet<string> | null;

/** Plain values of the index field in one map (no modifier, no wildcard): the only values it can match. */
function mapKeys(map: Record<string, unknown>, indexField: string): Keys {
  if (!Object.prototype.hasOwnProperty.call(map, indexField)) return null;
  const raw = map[indexField];
  const list = Array.isArray(raw) ? raw : [raw];
  const keys = new Set<string>();
  for (const v of list) {
    if (typeof v === 'number' || typeof v === 'boolean') keys.add(String(v).toLowerCase());
    else if (typeof v === 'string' && !/[*?\\]/.test(v)) keys.add(v.toLowerCase());
    else return null;
  }
  return keys.size > 0 ? keys : null;
}

function searchKeys(value: unknown, indexField: string): Keys {
  if (isPlainObject(value)) return mapKeys(value, indexField);
  if (!Array.isArray(value) || value.length === 0 || !value.every(isPlainObject)) return null;
  return union(value.map((m) => mapKeys(m as Record<string, unknown>, indexField)));
}

/** Any of these must hold: every branch must pin the field, then it is one of their values. */
function union(all: readonly Keys[]): Keys {
  if (all.length === 0 || all.some((k) => k === null)) return null;
  const out = new Set<string>();
  for (const k of all) for (const v of k as ReadonlySet<string>) out.add(v);
  return out;
}

/** All of these must hold: any branch that pins the field pins it (the smallest such set). */
function intersection(all: readonly Keys[]): Keys {
  let best: Keys = null;
  for (const k of all) if (k !== null && (best === null || k.size < best.size)) best = k;
  return best;
}

function conditionKeys(node: ConditionNode, byName: ReadonlyMap<string, Keys>): Keys {
  switch (node.op) {
    case 'id':
      return byName.get(node.name) ?? null;
    case 'not':
      return null;
    case 'and':
      return intersection(node.items.map((n) => conditionKeys(n, byName)));
    case 'or':
      return union(node.items.map((n) => conditionKeys(n, byName)));
    case 'of': {
      const keys = node.names.map((n) => byName.get(n) ?? null);
      return node.quantity === 'all' ? intersection(keys) : union(keys);
    }
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every scalar of the record, for `'|all': [...]` keyword searches. */
const everyValue = (record: Record<string, unknown>): FieldValues => scalarsOf(record);

/**
 * Cheap tests first in a selection (all must hold, so the order changes nothing but the cost):
 * string comparisons, then regular expressions and encodings, then CIDR, then whole-record searches.
 */
function costOf(field: string, modifiers: readonly string[]): number {
  if (field === '') return 4;
  const mods = modifiers.map((m) => m.toLowerCase());
  if (mods.includes('cidr')) return 3;
  if (mods.includes('re') || mods.includes('base64') || mods.includes('base64offset')) return 2;
  return mods.includes('fieldref') ? 1 : 0;
}

function compileMap(map: Record<string, unknown>, at: readonly PropertyKey[], problems: CompileProblems, fields: Set<string>): RecordTest | null {
  const keys = Object.keys(map);
  if (keys.length === 0) return (problems.invalid(at, 'a selection needs at least one field'), null);
  const tests: { read: (r: Record<string, unknown>) => FieldValues; test: ValuesTest; cost: number }[] = [];
  let ok = true;
  for (const key of keys) {
    const [field = '', ...modifiers] = key.split('|');
    const test = compileFieldTest(field === '' ? 'keywords' : field, modifiers, map[key], [...at, key], problems);
    if (test === null) {
      ok = false;
      continue;
    }
    // `'|all': [...]` (an empty field name) searches the whole record, as keywords do.
    fields.add(field === '' ? '*' : field);
    tests.push({ read: field === '' ? everyValue : compileFieldPath(field), test, cost: costOf(field, modifiers) });
  }
  if (!ok) return null;
  tests.sort((a, b) => a.cost - b.cost);
  if (tests.length === 1) {
    const { read, test } = tests[0]!;
    return (r) => test(read(r), r);
  }
  return (r) => {
    for (const { read, test } of tests) if (!test(read(r), r)) return false;
    return true;
  };
}

function compileSearch(value: unknown, at: readonly PropertyKey[], problems: CompileProblems, fields: Set<string>): RecordTest | null {
  if (isPlainObject(value)) return compileMap(value, at, problems, fields);
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || value === null) return (problems.invalid(at, 'a search identifier needs a map of fields, a list of maps or a list of keywords'), null);
  if (list.every(isPlainObject)) {
    const maps = list.map((m, i) => compileMap(m, [...at, i], problems, fields));
    if (maps.some((m) => m === null)) return null;
    const tests = maps as RecordTest[];
    return tests.length === 1 ? (tests[0] as RecordTest) : (r) => tests.some((t) => t(r));
  }
  if (list.some((v) => typeof v === 'object' && v !== null)) return (problems.invalid(at, 'a search identifier list holds either maps of fields or keywords, not both'), null);
  // Keywords: any scalar of the record containing one of them, stopping at the first.
  const test = compileFieldTest('keywords', ['contains'], list, at, problems);
  if (test === null) return null;
  fields.add('*');
  const one: unknown[] = [undefined];
  return (r) =>
    someScalar(r, (v) => {
      one[0] = v;
      return test(one, r);
    });
}

/**
 * Compiles `detection`; returns null (having reported through `problems`) when the rule is
 * invalid or beyond the engine.
 */
export function compileDetection(detection: unknown, problems: CompileProblems, indexField = ''): CompiledDetection | null {
  const at = ['detection'];
  if (!isPlainObject(detection)) return (problems.invalid(at, 'detection must be a map of search identifiers and a condition'), null);
  const conditions = detection.condition;
  if (conditions === undefined) return (problems.invalid(at, 'detection has no condition'), null);
  const texts = Array.isArray(conditions) ? conditions : [conditions];
  if (texts.length === 0 || texts.some((c) => typeof c !== 'string')) return (problems.invalid([...at, 'condition'], 'condition must be a string (or a list of strings)'), null);
  const names = Object.keys(detection).filter((k) => k !== 'condition' && k !== 'timeframe');
  if (names.length === 0) return (problems.invalid(at, 'detection has no search identifier'), null);

  const nodes: ConditionNode[] = [];
  for (let i = 0; i < texts.length; i++) {
    try {
      nodes.push(parseCondition(texts[i] as string, names));
    } catch (err) {
      if (!(err instanceof ConditionProblem)) throw err;
      if (err.unsupported) return (problems.unsupported(err.message), null);
      return (problems.invalid(Array.isArray(conditions) ? [...at, 'condition', i] : [...at, 'condition'], err.message), null);
    }
  }
  if (detection.timeframe !== undefined) return (problems.unsupported('timeframe: a time window over several events; Warden evaluates Sigma rules one event at a time'), null);
  const used = new Set<string>();
  for (const n of nodes) namesOf(n, used);
  const fields = new Set<string>();
  const searches = new Map<string, RecordTest>();
  let ok = true;
  // Every search identifier is checked, used or not: a broken one is a broken rule.
  for (const name of names) {
    const fieldsOfThis = new Set<string>();
    const test = compileSearch(detection[name], [...at, name], problems, fieldsOfThis);
    if (test === null) ok = false;
    else searches.set(name, test);
    if (used.has(name)) for (const f of fieldsOfThis) fields.add(f);
  }
  if (!ok) return null;
  const compiled = nodes.map((n) => compileCondition(n, searches));
  const matches = compiled.length === 1 ? (compiled[0] as RecordTest) : (r: Record<string, unknown>) => compiled.some((t) => t(r));
  const byName = new Map<string, Keys>(names.map((n) => [n, indexField === '' ? null : searchKeys(detection[n], indexField)]));
  return { matches, fields, keys: union(nodes.map((n) => conditionKeys(n, byName))) };
}
