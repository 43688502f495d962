/**
 * Sigma conditions: `and`, `or`, `not`, parentheses, `1 of X*` / `any of X*`, `all of X*`,
 * `1 of them`, `all of them` (precedence: `x of` and parentheses, then `not`, `and`, `or`).
 * Aggregations (`| count() …`) and `near` describe several events and are not evaluated per event.
 */

export type ConditionNode =
  | { op: 'id'; name: string }
  | { op: 'and' | 'or'; items: ConditionNode[] }
  | { op: 'not'; item: ConditionNode }
  | { op: 'of'; quantity: 'all' | number; names: string[] };

/** A condition that cannot be parsed: `unsupported` when it is valid Sigma the engine does not evaluate. */
export class ConditionProblem extends Error {
  constructor(
    message: string,
    readonly unsupported: boolean,
  ) {
    super(message);
  }
}

const globRegExp = (pattern: string): RegExp => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\/-]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/**
 * Parses one condition against the rule's search identifiers (`names`, in rule order); patterns
 * and `them` are expanded here, so evaluating never looks names up by pattern.
 */
export function parseCondition(text: string, names: readonly string[]): ConditionNode {
  if (text.includes('|')) {
    throw new ConditionProblem(`aggregation "${text.slice(text.indexOf('|')).trim()}" counts over several events; Warden evaluates Sigma rules one event at a time`, true);
  }
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  if (tokens.length === 0) throw new ConditionProblem('the condition is empty', false);
  if (tokens.some((t) => t.toLowerCase() === 'near')) throw new ConditionProblem('"near" relates several events; Warden evaluates Sigma rules one event at a time', true);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const lower = (): string | undefined => tokens[pos]?.toLowerCase();
  const known = new Set(names);

  const expand = (pattern: string): string[] => {
    if (pattern.toLowerCase() === 'them') return names.filter((n) => !n.startsWith('_'));
    const re = globRegExp(pattern);
    return names.filter((n) => re.test(n));
  };

  function primary(): ConditionNode {
    const t = peek();
    if (t === undefined) throw new ConditionProblem('the condition ends too early', false);
    if (t === '(') {
      pos++;
      const inner = or();
      if (peek() !== ')') throw new ConditionProblem(`expected ")" ${peek() === undefined ? 'at the end' : `before "${peek()}"`}`, false);
      pos++;
      return inner;
    }
    if (t === ')') throw new ConditionProblem('unexpected ")"', false);
    const word = t.toLowerCase();
    if (tokens[pos + 1]?.toLowerCase() === 'of') {
      const quantity = word === 'all' ? 'all' : word === 'any' ? 1 : /^[1-9]\d*$/.test(word) ? Number(word) : null;
      if (quantity === null) throw new ConditionProblem(`"${t} of": expected 1, any or all before "of"`, false);
      const pattern = tokens[pos + 2];
      if (pattern === undefined || pattern === '(' || pattern === ')') throw new ConditionProblem(`"${t} of" needs a search identifier pattern or "them"`, false);
      pos += 3;
      const matched = expand(pattern);
      if (matched.length === 0) throw new ConditionProblem(`"${t} of ${pattern}" matches no search identifier`, false);
      return { op: 'of', quantity, names: matched };
    }
    if (['and', 'or', 'not', 'of'].includes(word)) throw new ConditionProblem(`unexpected "${t}"`, false);
    pos++;
    if (!known.has(t)) throw new ConditionProblem(`"${t}" is not a search identifier of this rule's detection`, false);
    return { op: 'id', name: t };
  }
  function not(): ConditionNode {
    if (lower() === 'not') {
      pos++;
      return { op: 'not', item: not() };
    }
    return primary();
  }
  function and(): ConditionNode {
    const items = [not()];
    while (lower() === 'and') {
      pos++;
      items.push(not());
    }
    return items.length === 1 ? (items[0] as ConditionNode) : { op: 'and', items };
  }
  function or(): ConditionNode {
    const items = [and()];
    while (lower() === 'or') {
      pos++;
      items.push(and());
    }
    return items.length === 1 ? (items[0] as ConditionNode) : { op: 'or', items };
  }
  const node = or();
  if (pos < tokens.length) throw new ConditionProblem(`unexpected "${tokens[pos]}" (expected and, or, or the end)`, false);
  return node;
}

export type RecordTest = (record: Record<string, unknown>) => boolean;

/** Turns a parsed condition into one predicate over the record. */
export function compileCondition(node: ConditionNode, searches: ReadonlyMap<string, RecordTest>): RecordTest {
  switch (node.op) {
    case 'id':
      return searches.get(node.name) as RecordTest;
    case 'not': {
      const inner = compileCondition(node.item, searches);
      return (r) => !inner(r);
    }
    case 'and': {
      const items = node.items.map((n) => compileCondition(n, searches));
      return (r) => items.every((t) => t(r));
    }
    case 'or': {
      const items = node.items.map((n) => compileCondition(n, searches));
      return (r) => items.some((t) => t(r));
    }
    case 'of': {
      const items = node.names.map((n) => searches.get(n) as RecordTest);
      if (node.quantity === 'all') return (r) => items.every((t) => t(r));
      if (node.quantity === 1) return (r) => items.some((t) => t(r));
      const need = node.quantity;
      return (r) => {
        let n = 0;
        for (const t of items) if (t(r) && ++n >= need) return true;
        return false;
      };
    }
  }
}

/** The search identifiers a condition reads. */
export function namesOf(node: ConditionNode, out: Set<string> = new Set()): Set<string> {
  if (node.op === 'id') out.add(node.name);
  else if (node.op === 'not') namesOf(node.item, out);
  else if (node.op === 'of') for (const n of node.names) out.add(n);
  else for (const i of node.items) namesOf(i, out);
  return out;
}
