/**
 * A rule's `detection` compiled into one predicate over the original record: each search
 * identifier (a map of fields: all must match; a list of maps: any; a list of strings: keywords
 * found anywhere in the record) and the condition that combines them.
 */
import { compileCondition, ConditionProblem, namesOf, parseCondition } from './condition.js';
import type { ConditionNode, RecordTest } from './condition.js';
import { compileFieldPath, scalarsOf } from './fields.js';
import type { FieldValues } from './fields.js';
import { compileFieldTest } from './values.js';
import type { CompileProblems, ValuesTest } from './values.js';

export interface CompiledDetection {
  matches: RecordTest;
  /** Field paths the condition reads (without modifiers); `*` stands for a keyword search. */
  fields: ReadonlySet<string>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every scalar of the record, for keyword searches (one walk per test). */
const everyValue = (record: Record<string, unknown>): FieldValues => scalarsOf(record, []);

function compileMap(map: Record<string, unknown>, at: readonly PropertyKey[], problems: CompileProblems, fields: Set<string>): RecordTest | null {
  const keys = Object.keys(map);
  if (keys.length === 0) return (problems.invalid(at, 'a selection needs at least one field'), null);
  const tests: { read: (r: Record<string, unknown>) => FieldValues; test: ValuesTest }[] = [];
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
    tests.push({ read: field === '' ? everyValue : compileFieldPath(field), test });
  }
  if (!ok) return null;
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
  // Keywords: any scalar of the record containing one of them.
  const test = compileFieldTest('keywords', ['contains'], list, at, problems);
  if (test === null) return null;
  fields.add('*');
  return (r) => test(everyValue(r), r);
}

/**
 * Compiles `detection`; returns null (having reported through `problems`) when the rule is
 * invalid or beyond the engine.
 */
export function compileDetection(detection: unknown, problems: CompileProblems): CompiledDetection | null {
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
  return { matches, fields };
}
