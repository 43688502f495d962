/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` dropped. Signatures are computed
 * over this form, so a verifier in any language gets the same bytes from the same record.
 *
 * Records built with their keys already in order (the decider builds decisions that way) are
 * recognised and serialised by one `JSON.stringify`; anything else is copied into sorted order
 * first. Objects with integer-like keys take the slow path, because `JSON.stringify` would put
 * those keys first whatever their insertion order.
 */
const INTEGER_KEY = /^\d+$/;

function isCanonical(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
  if (Array.isArray(value)) {
    for (const v of value) if (!isCanonical(v)) return false;
    return true;
  }
  if ('toJSON' in value) return false;
  let previous = '';
  let first = true;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false;
    if (!first && !(previous < key)) return false;
    if (INTEGER_KEY.test(key)) return false;
    if (!isCanonical((value as Record<string, unknown>)[key])) return false;
    previous = key;
    first = false;
  }
  return true;
}

function slowCanonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : slowCanonical(v))).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${slowCanonical((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

export function canonicalJson(value: unknown): string {
  return isCanonical(value) ? JSON.stringify(value) : slowCanonical(value);
}
