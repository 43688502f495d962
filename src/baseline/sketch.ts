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
  const i = fnv1a(key, 0) % width;
  const j = width + (fnv1a(key, 0x9e3779b9) % width);
  cells[i] = (cells[i] ?? 0) + 1;
  cells[j] = (cells[j] ?? 0) + 1;
}

/** Stable short hash used for ids and hash-based sampling in the simulator. */
export function hash32(text: string): number {
  return fnv1a(text, 0);
}
