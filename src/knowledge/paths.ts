/**
 * Field paths into a normalized event (`attributes.request.userName`), compiled once. A path
 * yields every value it reaches: arrays along the way (and at the end) are walked element by
 * element, and a string that holds a JSON document (IAM policies arrive that way) is parsed
 * when the path goes on into it; a `*` segment stands for every key of an object. Two fields are derived from the identity id:
 * `identity.name` (last segment of an ARN, else the id) and `identity.account` (account of an ARN).
 */
import type { WardenEvent } from '../events/event.js';

/** Roots a path may start with. */
export const PATH_ROOTS: ReadonlySet<string> = new Set([
  'id', 'time', 'identity', 'action', 'resource', 'outcome', 'source', 'environment', 'privileged', 'bytes', 'rows',
  'readOnly', 'sourceFormat', 'attributes',
]);

/** Reads a path from the event, or (relative paths, `.x.y`) from the element a `some` group is at. */
export type PathReader = (event: WardenEvent, scope?: unknown) => unknown[];

const EMPTY: unknown[] = [];

/** Parses a string that looks like a JSON object or array; anything else comes back as it is. */
export function parseJsonDocument(value: string): unknown {
  let i = 0;
  while (i < value.length && (value.charCodeAt(i) <= 32)) i++;
  const first = value.charCodeAt(i);
  if (first !== 0x7b && first !== 0x5b) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function collect(value: unknown, segs: readonly string[], i: number, out: unknown[]): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, segs, i, out);
    return;
  }
  if (i === segs.length) {
    out.push(value);
    return;
  }
  if (typeof value === 'string') {
    const parsed = parseJsonDocument(value);
    if (parsed !== value) collect(parsed, segs, i, out);
    return;
  }
  if (typeof value !== 'object') return;
  const seg = segs[i] as string;
  if (seg === '*') {
    // Any key: `Condition.*.aws:SourceVpc` whatever the condition operator is called.
    for (const v of Object.values(value)) collect(v, segs, i + 1, out);
    return;
  }
  collect((value as Record<string, unknown>)[seg], segs, i + 1, out);
}

/** `arn:aws:iam::123456789012:user/path/bob` → `bob`; any other id stays as it is. */
export function identityName(id: string): string {
  if (!id.startsWith('arn:')) return id;
  const slash = id.lastIndexOf('/');
  if (slash !== -1) return id.slice(slash + 1);
  const colon = id.lastIndexOf(':');
  return id.slice(colon + 1);
}

/** Account id of an ARN (`arn:aws:iam::123456789012:…`), else undefined. */
export function identityAccount(id: string): string | undefined {
  if (!id.startsWith('arn:')) return undefined;
  const account = id.split(':')[4];
  return account ? account : undefined;
}

/** Compiles a dotted path into a reader; returns null for an unknown root. */
export function compilePath(path: string): PathReader | null {
  if (path.startsWith('.')) {
    // Relative to the current element of a `some` group; `.` is the element itself.
    const rel = path === '.' ? [] : path.slice(1).split('.');
    if (rel.some((s) => s === '')) return null;
    return (_e, scope) => {
      const out: unknown[] = [];
      collect(scope, rel, 0, out);
      return out;
    };
  }
  const segs = path.split('.');
  const root = segs[0] ?? '';
  if (!PATH_ROOTS.has(root) || segs.some((s) => s === '')) return null;
  if (path === 'identity.name') return (e) => [identityName(e.identity.id)];
  if (path === 'identity.account') {
    return (e) => {
      const account = identityAccount(e.identity.id);
      return account === undefined ? EMPTY : [account];
    };
  }
  if (segs.length === 1) {
    return (e) => {
      const v = (e as unknown as Record<string, unknown>)[root];
      if (v === undefined || v === null) return EMPTY;
      return Array.isArray(v) ? v.filter((x) => x !== undefined && x !== null) : [v];
    };
  }
  return (e) => {
    const out: unknown[] = [];
    collect(e, segs, 0, out);
    return out;
  };
}

/** Every value of a subtree, JSON strings parsed, depth-first; `visit` returning true stops the walk. */
export function someLeaf(value: unknown, visit: (leaf: unknown) => boolean, depth = 0): boolean {
  if (value === undefined || value === null || depth > 32) return false;
  if (typeof value === 'string') {
    const parsed = parseJsonDocument(value);
    return parsed === value ? visit(value) : someLeaf(parsed, visit, depth + 1);
  }
  if (Array.isArray(value)) return value.some((v) => someLeaf(v, visit, depth + 1));
  if (typeof value === 'object') return Object.values(value).some((v) => someLeaf(v, visit, depth + 1));
  return visit(value);
}
