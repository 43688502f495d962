/** Small, allocation-light helpers for reading untrusted parsed JSON without throwing. */

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty string, or undefined. Numbers are stringified: many sources send ids as numbers. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export function obj(v: unknown): JsonObject | undefined {
  return isObject(v) ? v : undefined;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/** First non-empty string of an array (or the value itself when it is a string). */
export function firstStr(v: unknown): string | undefined {
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = str(item);
      if (s !== undefined) return s;
    }
    return undefined;
  }
  return str(v);
}

/** Compiled dotted path (`a.b[0].c`, `"@timestamp"` works as a plain key). */
export type PathGetter = (root: unknown) => unknown;

export function compilePath(path: string): PathGetter {
  const parts: (string | number)[] = [];
  for (const segment of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(segment);
    if (!m) {
      parts.push(segment);
      continue;
    }
    if (m[1]) parts.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) parts.push(Number(idx[1]));
  }
  return (root) => {
    let cur: unknown = root;
    for (const p of parts) {
      if (typeof p === 'number') cur = Array.isArray(cur) ? cur[p] : undefined;
      else cur = isObject(cur) ? cur[p] : undefined;
      if (cur === undefined || cur === null) return undefined;
    }
    return cur;
  };
}

/**
 * True when the JSON text `text` has at most `limit` opening brackets (`{` and `[`, counted inside
 * strings too), which proves that its parsed value nests at most `limit` levels deep: every level
 * opens with a bracket of its own. Searching for two characters costs a fraction of walking the
 * parsed value (depthExceeds), which only a record with many brackets then needs.
 */
export function bracketsAtMost(text: string, limit: number): boolean {
  let n = 0;
  for (let at = text.indexOf('{'); at >= 0; at = text.indexOf('{', at + 1)) if (++n > limit) return false;
  for (let at = text.indexOf('['); at >= 0; at = text.indexOf('[', at + 1)) if (++n > limit) return false;
  return true;
}

/** Depth of a parsed JSON value, stopping early once `limit` is passed. */
export function depthExceeds(value: unknown, limit: number): boolean {
  return exceeds(value, 1, limit);
}

function exceeds(v: unknown, depth: number, limit: number): boolean {
  if (depth > limit) return true;
  if (Array.isArray(v)) {
    for (const item of v) if (typeof item === 'object' && item !== null && exceeds(item, depth + 1, limit)) return true;
  } else if (typeof v === 'object' && v !== null) {
    for (const key in v) {
      const item = (v as JsonObject)[key];
      if (typeof item === 'object' && item !== null && exceeds(item, depth + 1, limit)) return true;
    }
  }
  return false;
}
