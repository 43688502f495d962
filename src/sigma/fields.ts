/**
 * Sigma field paths on a parsed JSON record: `requestParameters.userName` walks nested objects,
 * an array on the way is searched element by element (`resources.ARN`, `sourceIPs`), and a key
 * that itself holds dots (`labels.k8s-pod/app`, flattened exports) is found as written.
 * Hot path: a path through plain objects is a few property reads and one small array.
 */

export type FieldValues = readonly unknown[];

const NONE: FieldValues = Object.freeze([]);

/**
 * A key of a parsed record. JSON.parse makes own data properties only; what a plain object
 * inherits is a function (`constructor`, `toString`…) or Object.prototype (`__proto__`), never data.
 */
function own(obj: Record<string, unknown>, key: string): unknown {
  const v = obj[key];
  return typeof v === 'function' || v === Object.prototype ? undefined : v;
}

function collect(node: unknown, parts: readonly string[], rests: readonly string[], i: number, out: unknown[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collect(item, parts, rests, i, out);
    return;
  }
  if (i === parts.length) {
    if (node !== undefined) out.push(node);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  // The rest of the path as one key first: flattened records name nested fields with dots.
  if (i < parts.length - 1) {
    const whole = own(obj, rests[i] as string);
    if (whole !== undefined) return collect(whole, parts, rests, parts.length, out);
  }
  const v = own(obj, parts[i] as string);
  if (v !== undefined) collect(v, parts, rests, i + 1, out);
}

const wrap = (v: unknown): FieldValues => (v === undefined ? NONE : Array.isArray(v) ? v : [v]);

/**
 * Compiles a field path into a reader of every value it names in a record: one value for a plain
 * field, each element for an array, none when the field is absent. A value that is `null` is
 * returned as `null` (Sigma's `field: null` tells it apart from a value).
 */
export function compileFieldPath(path: string): (record: Record<string, unknown>) => FieldValues {
  const parts = path.split('.');
  if (parts.length === 1) return (record) => wrap(own(record, path));
  const rests = parts.map((_, i) => parts.slice(i).join('.'));
  const last = parts.length - 1;
  return (record) => {
    let node: unknown = record;
    for (let i = 0; i <= last; i++) {
      if (node === null || typeof node !== 'object') return NONE;
      if (Array.isArray(node)) {
        const out: unknown[] = [];
        collect(node, parts, rests, i, out);
        return out.length === 0 ? NONE : out;
      }
      const obj = node as Record<string, unknown>;
      if (i < last) {
        const whole = own(obj, rests[i] as string);
        if (whole !== undefined) return wrap(whole);
      }
      node = own(obj, parts[i] as string);
      if (node === undefined) return NONE;
    }
    return wrap(node);
  };
}

/** Does any scalar of the record (strings, numbers, booleans, at any depth) pass `test`? Stops at the first. */
export function someScalar(node: unknown, test: (value: unknown) => boolean, depth = 0): boolean {
  if (depth > 32 || node === null || node === undefined) return false;
  if (Array.isArray(node)) {
    for (const item of node) if (someScalar(item, test, depth + 1)) return true;
    return false;
  }
  if (typeof node === 'object') {
    for (const key in node) if (someScalar((node as Record<string, unknown>)[key], test, depth + 1)) return true;
    return false;
  }
  return test(node);
}

/** Every scalar of the record, for tests that need them all at once (`|all` over keywords). */
export function scalarsOf(node: unknown, out: unknown[] = [], depth = 0): unknown[] {
  if (depth > 32) return out;
  if (Array.isArray(node)) for (const item of node) scalarsOf(item, out, depth + 1);
  else if (node !== null && typeof node === 'object') for (const key in node) scalarsOf((node as Record<string, unknown>)[key], out, depth + 1);
  else if (node !== null && node !== undefined) out.push(node);
  return out;
}
