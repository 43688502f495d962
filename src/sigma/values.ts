/**
 * One field of a Sigma selection compiled into a test of the values the record holds there:
 * value modifiers (contains, startswith, endswith, re, cidr, all, exists, cased, gt/gte/lt/lte,
 * base64, base64offset, fieldref) and Sigma's plain matching (case-insensitive, `*` and `?`
 * wildcards, `\` escapes them).
 */
import ipaddr from 'ipaddr.js';
import type { FieldValues } from './fields.js';
import { compileFieldPath } from './fields.js';

/** Where compiling a rule reports what is wrong with it (invalid) or beyond the engine (unsupported). */
export interface CompileProblems {
  invalid(path: readonly PropertyKey[], message: string): void;
  unsupported(reason: string): void;
}

export type ValuesTest = (values: FieldValues, record: Record<string, unknown>) => boolean;

const MATCH_TYPES = new Set(['contains', 'startswith', 'endswith', 're', 'cidr', 'exists', 'gt', 'gte', 'lt', 'lte', 'fieldref']);

/** Every modifier the engine evaluates (docs/sigma.md lists them; a test keeps the two equal). */
export const SUPPORTED_MODIFIERS: readonly string[] = Object.freeze([...MATCH_TYPES, 'all', 'cased', 'base64', 'base64offset']);
const RE_FLAGS: Readonly<Record<string, string>> = { i: 'i', ignorecase: 'i', m: 'm', multiline: 'm', s: 's', dotall: 's' };
/** Modifiers of the specification this engine does not evaluate, and why. */
export const NOT_SUPPORTED: Readonly<Record<string, string>> = {
  windash: 'Windows command-line dash variants do not occur in cloud audit records',
  wide: 'UTF-16 encodings do not occur in JSON audit records',
  utf16: 'UTF-16 encodings do not occur in JSON audit records',
  utf16le: 'UTF-16 encodings do not occur in JSON audit records',
  utf16be: 'UTF-16 encodings do not occur in JSON audit records',
  expand: 'placeholders need a pipeline that defines them',
};

type Pattern = { kind: 'equals' | 'contains' | 'startswith' | 'endswith'; text: string } | { kind: 'regex'; source: string };

const WILD = Symbol('wildcard');
type Token = string | { [WILD]: '*' | '?' };

/**
 * Reads a Sigma string: `*` any run, `?` one character, `\*` `\?` `\\` the character itself, any
 * other backslash a backslash. A value whose only wildcards are leading or trailing `*` stays a
 * plain string operation (equals, contains, startswith, endswith); anything else is a regex.
 */
function sigmaString(value: string, prefixAny: boolean, suffixAny: boolean): Pattern {
  const tokens: Token[] = [];
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '\\' && i + 1 < value.length && '*?\\'.includes(value[i + 1] as string)) tokens.push(value[++i] as string);
    else if (ch === '*' || ch === '?') tokens.push({ [WILD]: ch });
    else tokens.push(ch);
  }
  let from = 0;
  let to = tokens.length;
  while (from < to && typeof tokens[from] !== 'string' && (tokens[from] as { [WILD]: string })[WILD] === '*') {
    prefixAny = true;
    from++;
  }
  while (to > from && typeof tokens[to - 1] !== 'string' && (tokens[to - 1] as { [WILD]: string })[WILD] === '*') {
    suffixAny = true;
    to--;
  }
  const inner = tokens.slice(from, to);
  if (inner.every((t) => typeof t === 'string')) {
    const text = inner.join('');
    return { kind: prefixAny && suffixAny ? 'contains' : prefixAny ? 'endswith' : suffixAny ? 'startswith' : 'equals', text };
  }
  const body = inner.map((t) => (typeof t === 'string' ? t.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&') : t[WILD] === '*' ? '.*' : '.')).join('');
  return { kind: 'regex', source: `${prefixAny ? '.*' : ''}${body}${suffixAny ? '.*' : ''}` };
}

/** A scalar of the record as text (numbers and booleans as written); null for objects and null. */
function textOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

type TextTest = (text: string) => boolean;

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** `a.b.c.d` as a 32-bit number, or null. */
function ipv4Number(text: string): number | null {
  const m = DOTTED_QUAD.exec(text);
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return null;
    n = n * 256 + octet;
  }
  return n;
}

/** An address-in-range test: IPv4 by integer arithmetic (the common case), IPv6 and IPv4-mapped through ipaddr.js. */
function cidrTest(range: [ipaddr.IPv4 | ipaddr.IPv6, number]): TextTest {
  const [net, bits] = range;
  if (net.kind() === 'ipv4') {
    const size = 2 ** (32 - bits);
    const low = Math.floor((ipv4Number(net.toString()) as number) / size) * size;
    const inRange = (n: number): boolean => n >= low && n < low + size;
    return (t) => {
      const n = ipv4Number(t);
      if (n !== null) return inRange(n);
      if (!t.includes(':') || !ipaddr.isValid(t)) return false;
      const ip = ipaddr.process(t);
      return ip.kind() === 'ipv4' && inRange(ipv4Number(ip.toString()) as number);
    };
  }
  return (t) => {
    if (!t.includes(':') || !ipaddr.isValid(t)) return false;
    const ip = ipaddr.process(t);
    return ip.kind() === 'ipv6' && ip.match(range);
  };
}

/** One Sigma string as a test of already case-folded text, or a regex on the text itself. */
type StringMatcher = { folded: (text: string) => boolean } | { regex: RegExp };

function stringMatcher(value: string, match: string | null, cased: boolean): StringMatcher {
  const p = sigmaString(value, match === 'contains' || match === 'endswith', match === 'contains' || match === 'startswith');
  if (p.kind === 'regex') return { regex: new RegExp(`^${p.source}$`, cased ? 's' : 'is') };
  const want = cased ? p.text : p.text.toLowerCase();
  switch (p.kind) {
    case 'equals':
      return { folded: (t) => t === want };
    case 'contains':
      return { folded: (t) => t.includes(want) };
    case 'startswith':
      return { folded: (t) => t.startsWith(want) };
    default:
      return { folded: (t) => t.endsWith(want) };
  }
}

/**
 * Any of several Sigma strings, the record's text folded to lower case once for all of them
 * (a list of twenty user agents costs one toLowerCase per value of the record, not twenty).
 */
function anyStringTest(values: readonly string[], match: string | null, cased: boolean): TextTest {
  const folded: ((t: string) => boolean)[] = [];
  const regexes: RegExp[] = [];
  for (const v of values) {
    const m = stringMatcher(v, match, cased);
    if ('regex' in m) regexes.push(m.regex);
    else folded.push(m.folded);
  }
  return (t) => {
    if (folded.length > 0) {
      const low = cased ? t : t.toLowerCase();
      for (const f of folded) if (f(low)) return true;
    }
    for (const re of regexes) if (re.test(t)) return true;
    return false;
  };
}

const stringTest = (value: string, match: string | null, cased: boolean): TextTest => anyStringTest([value], match, cased);

function base64Variants(value: string, offsets: boolean): string[] {
  const bytes = Buffer.from(value, 'utf8');
  if (!offsets) return [bytes.toString('base64')];
  // base64offset: the value at each of the three byte offsets inside longer encoded text, with
  // the characters that depend on the unknown neighbours cut off (as the specification defines).
  const start = [0, 2, 3];
  const end = [0, 3, 2];
  return [0, 1, 2].map((i) => {
    const encoded = Buffer.concat([Buffer.alloc(i), bytes]).toString('base64');
    const cut = end[(bytes.length + i) % 3] as number;
    return encoded.slice(start[i], cut === 0 ? undefined : encoded.length - cut);
  });
}

/**
 * Compiles `field|modifiers: value(s)` into a test; returns null (having reported why) when the
 * rule is invalid or uses what the engine does not evaluate.
 */
export function compileFieldTest(field: string, modifiers: readonly string[], raw: unknown, at: readonly PropertyKey[], problems: CompileProblems): ValuesTest | null {
  let match: string | null = null;
  let all = false;
  let cased = false;
  let encode: 'base64' | 'base64offset' | null = null;
  let reFlags = '';
  for (const m of modifiers) {
    const mod = m.toLowerCase();
    if (mod in NOT_SUPPORTED) return (problems.unsupported(`modifier "${mod}" (field ${field}): ${NOT_SUPPORTED[mod]}`), null);
    if (mod === 'all') all = true;
    else if (mod === 'cased') cased = true;
    else if (mod === 'base64' || mod === 'base64offset') encode = mod;
    else if (match === 're' && mod in RE_FLAGS) reFlags += RE_FLAGS[mod];
    else if (MATCH_TYPES.has(mod)) {
      if (match !== null) return (problems.invalid(at, `two match modifiers on ${field}: ${match} and ${mod}`), null);
      match = mod;
    } else return (problems.unsupported(`modifier "${mod}" (field ${field}) is not supported`), null);
  }
  if (encode !== null && match !== null && match !== 'contains' && match !== 'startswith' && match !== 'endswith') {
    return (problems.invalid(at, `${encode} cannot be combined with ${match}`), null);
  }
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) return (problems.invalid(at, `${field} has an empty list of values`), null);
  // The common case, a list of strings matched alike: one folded comparison per record value.
  if (!all && encode === null && (match === null || match === 'contains' || match === 'startswith' || match === 'endswith') && list.every((v) => typeof v === 'string')) {
    return anyText(anyStringTest(list as string[], match, cased));
  }
  const tests: ValuesTest[] = [];
  let ok = true;
  list.forEach((v, i) => {
    const where = Array.isArray(raw) ? [...at, i] : at;
    const t = valueTest(field, match, v, { cased, encode, reFlags }, where, problems);
    if (t === null) ok = false;
    else tests.push(t);
  });
  if (!ok) return null;
  if (match === 'exists' && list.length !== 1) return (problems.invalid(at, 'exists takes one value, true or false'), null);
  if (tests.length === 1) return tests[0] as ValuesTest;
  return all ? (values, record) => tests.every((t) => t(values, record)) : (values, record) => tests.some((t) => t(values, record));
}

interface ValueOptions {
  cased: boolean;
  encode: 'base64' | 'base64offset' | null;
  reFlags: string;
}

const anyText = (test: TextTest): ValuesTest => (values) => {
  for (const v of values) {
    const t = textOf(v);
    if (t !== null && test(t)) return true;
  }
  return false;
};

function valueTest(field: string, match: string | null, v: unknown, o: ValueOptions, at: readonly PropertyKey[], problems: CompileProblems): ValuesTest | null {
  if (match === 'exists') {
    if (typeof v !== 'boolean') return (problems.invalid(at, `${field}|exists takes true or false`), null);
    return (values) => values.some((x) => x !== null) === v;
  }
  if (v === null) {
    if (match !== null) return (problems.invalid(at, `${field}|${match} cannot take null`), null);
    // `field: null`: absent, or present with a null value.
    return (values) => values.length === 0 || values.every((x) => x === null);
  }
  if (typeof v === 'object') return (problems.invalid(at, `a value of ${field} must be a string, number, boolean or null`), null);
  switch (match) {
    case 're': {
      let source = String(v);
      let flags = o.reFlags;
      // PCRE's leading inline flags, which JavaScript does not read.
      const inline = /^\(\?([ims]+)\)/.exec(source);
      if (inline) {
        source = source.slice(inline[0].length);
        flags += inline[1];
      }
      let re: RegExp;
      try {
        re = new RegExp(source, [...new Set(flags)].join(''));
      } catch (err) {
        return (problems.invalid(at, (err as Error).message), null);
      }
      return anyText((t) => re.test(t));
    }
    case 'cidr': {
      let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
      try {
        range = ipaddr.parseCIDR(String(v));
      } catch {
        return (problems.invalid(at, `"${String(v)}" is not a CIDR (e.g. 10.0.0.0/8 or 2001:db8::/32)`), null);
      }
      return anyText(cidrTest(range));
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof v !== 'number') return (problems.invalid(at, `${field}|${match} takes a number`), null);
      const cmp = match === 'gt' ? (x: number) => x > v : match === 'gte' ? (x: number) => x >= v : match === 'lt' ? (x: number) => x < v : (x: number) => x <= v;
      return (values) => values.some((x) => {
        const n = typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' ? Number(x) : NaN;
        return Number.isFinite(n) && cmp(n);
      });
    }
    case 'fieldref': {
      if (typeof v !== 'string') return (problems.invalid(at, `${field}|fieldref takes a field name`), null);
      const other = compileFieldPath(v);
      return (values, record) => {
        const theirs = other(record).map(textOf).filter((x): x is string => x !== null);
        return values.some((x) => {
          const t = textOf(x);
          return t !== null && theirs.includes(t);
        });
      };
    }
    default: {
      if (o.encode !== null) {
        const variants = base64Variants(String(v), o.encode === 'base64offset');
        // Encoded text is case-sensitive, and base64offset only makes sense inside longer text.
        const tests = variants.map((b) => stringTest(b.replace(/[*?\\]/g, '\\$&'), match ?? (o.encode === 'base64offset' ? 'contains' : null), true));
        return anyText((t) => tests.some((test) => test(t)));
      }
      if (typeof v !== 'string' && match === null) {
        // Numbers and booleans equal their text in the record (a port as 443 or "443").
        const want = String(v).toLowerCase();
        return anyText((t) => t.toLowerCase() === want);
      }
      return anyText(stringTest(String(v), match, o.cased));
    }
  }
}
