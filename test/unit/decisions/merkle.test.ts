import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { leafHash, merkleTree, nodeHash, rootFromPath } from '../../../src/decisions/merkle.js';

const sha = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** RFC 9162 MTH written the slow, literal way, as the reference. */
function referenceRoot(data: readonly string[]): Buffer {
  if (data.length === 1) return sha(Buffer.from([0]), Buffer.from(data[0]!));
  let k = 1;
  while (k * 2 < data.length) k *= 2;
  return sha(Buffer.from([1]), referenceRoot(data.slice(0, k)), referenceRoot(data.slice(k)));
}

describe('Merkle tree (RFC 9162)', () => {
  it('hashes leaves and nodes with distinct prefixes', () => {
    expect(leafHash('a').equals(sha(Buffer.from([0]), Buffer.from('a')))).toBe(true);
    const a = leafHash('a');
    const b = leafHash('b');
    expect(nodeHash(a, b).equals(sha(Buffer.from([1]), a, b))).toBe(true);
  });

  it('matches the reference root and proves every leaf, for every size up to 70', () => {
    for (let n = 1; n <= 70; n++) {
      const data = Array.from({ length: n }, (_, i) => `record-${n}-${i}`);
      const { root, paths } = merkleTree(data.map((d) => leafHash(d)));
      expect(root.equals(referenceRoot(data))).toBe(true);
      for (let i = 0; i < n; i++) {
        expect(paths[i]!.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
        expect(rootFromPath(leafHash(data[i]!), i, n, paths[i]!)?.equals(root)).toBe(true);
      }
    }
  });

  it('rejects a proof used with another index, size, leaf or a truncated path', () => {
    const data = Array.from({ length: 13 }, (_, i) => `r${i}`);
    const { root, paths } = merkleTree(data.map((d) => leafHash(d)));
    const proof = paths[5]!;
    const same = (r: Buffer | null): boolean => r !== null && r.equals(root);
    expect(same(rootFromPath(leafHash('r5'), 5, 13, proof))).toBe(true);
    expect(same(rootFromPath(leafHash('r5'), 4, 13, proof))).toBe(false);
    // Sizes 12 and 13 share this leaf's path: the size is bound by the signature, not the path.
    expect(same(rootFromPath(leafHash('r5'), 5, 12, proof))).toBe(true);
    expect(same(rootFromPath(leafHash('r5'), 5, 8, proof))).toBe(false);
    expect(same(rootFromPath(leafHash('r6'), 5, 13, proof))).toBe(false);
    expect(rootFromPath(leafHash('r5'), 5, 13, proof.slice(1))).toBeNull();
    expect(rootFromPath(leafHash('r5'), 13, 13, proof)).toBeNull();
    expect(rootFromPath(leafHash('r5'), -1, 13, proof)).toBeNull();
    expect(() => merkleTree([])).toThrow(RangeError);
  });
});
