/**
 * Sigma field paths on a parsed JSON record: `requestParameters.userName` walks nested objects,
 * an array on the way is searched element by element (`resources.ARN`, `sourceIPs`), and a key
 * that itself holds dots (`labels.k8s-pod/app`, flattened exports) is found as written.
 */

export type FieldValues = readonly unknown[];

const NONE: FieldValues = Object.freeze([]);

function collect(node: unknown, parts: readonly string[], i: number, out: unknown[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collect(item, parts, i, out);
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
    const rest = parts.slice(i).join('.');
    if (Object.prototype.hasOwnProperty.call(obj, rest)) {
      collect(obj[rest], parts, parts.length, out);
      return;
    }
  }
  const key = parts[i] as string;
  if (Object.prototype.hasOwnProperty.call(obj, key)) collect(obj[key], parts, i + 1, out);
}

/**
 * Compiles a field path into a reader of every value it names in a record: one value for a plain
 * field, each element for an array, none when the field is absent. A value that is `null` is
 * returned as `null` (Sigma's `field: null` tells it apart from a value).
 */
export function compileFieldPath(path: string): (record: Record<string, unknown>) => FieldValues {
  const parts = path.split('.');
  if (parts.length === 1) {
    return (record) => {
      if (!Object.prototype.hasOwnProperty.call(record, path)) return NONE;
      const v = record[path];
      return Array.isArray(v) ? v : [v];
    };
  }
  return (record) => {
    const out: unknown[] = [];
    collect(record, parts, 0, out);
    return out.length === 0 ? NONE : out;
  };
}

/** Every scalar of a record (strings, numbers, booleans), depth-first, for keyword searches. */
export function scalarsOf(node: unknown, out: unknown[], depth = 0): unknown[] {
  if (depth > 32) return out;
  if (Array.isArray(node)) for (const item of node) scalarsOf(item, out, depth + 1);
  else if (node !== null && typeof node === 'object') for (const key in node) scalarsOf((node as Record<string, unknown>)[key], out, depth + 1);
  else if (node !== null && node !== undefined) out.push(node);
  return out;
}
