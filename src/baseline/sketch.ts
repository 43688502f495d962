/** A two-row count-min sketch over strings: bounded memory for action transitions. */

function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function sketchEstimate(cells: readonly number[], key: string): number {
  const width = cells.length / 2;
  const a = cells[fnv1a(key, 0) % width] ?? 0;
  const b = cells[width + (fnv1a(key, 0x9e3779b9) % width)] ?? 0;
  return Math.min(a, b);
}

export function sketchAdd(cells: number[], key: string): void {
  const width = cells.length / 2;
  // Both rows' hashes (fnv1a with seeds 0 and 0x9e3779b9) in one pass over the key.
  let a = 0x811c9dc5;
  let b = (0x811c9dc5 ^ 0x9e3779b9) >>> 0;
  for (let k = 0; k < key.length; k++) {
    const c = key.charCodeAt(k);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193) >>> 0;
  }
  const i = a % width;
  const j = width + (b % width);
  cells[i] = (cells[i] ?? 0) + 1;
  cells[j] = (cells[j] ?? 0) + 1;
}

/** Stable short hash used for ids and hash-based sampling in the simulator. */
export function hash32(text: string): number {
  return fnv1a(text, 0);
}
