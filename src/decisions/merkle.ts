/**
 * Merkle trees as in Certificate Transparency (RFC 9162 §2.1): leaf hash SHA-256(0x00 ‖ data),
 * node hash SHA-256(0x01 ‖ left ‖ right), the split at the largest power of two below n. One
 * Ed25519 signature over the root of a batch of decisions, plus each decision's inclusion proof
 * (its audit path), makes every decision verifiable on its own at a fraction of a signature each.
 */
import { hash } from 'node:crypto';

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

export function leafHash(data: string | Buffer): Buffer {
  // A string's UTF-8 bytes behind a NUL character are the bytes 0x00 ‖ data.
  return hash('sha256', typeof data === 'string' ? `\u0000${data}` : Buffer.concat([LEAF, data]), 'buffer');
}

/** 0x01 ‖ left ‖ right, reused: hashing is synchronous, so one buffer serves every node. */
const NODE_INPUT = Buffer.alloc(65);
NODE_INPUT[0] = 1;

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  if (left.length !== 32 || right.length !== 32) return hash('sha256', Buffer.concat([NODE, left, right]), 'buffer');
  left.copy(NODE_INPUT, 1);
  right.copy(NODE_INPUT, 33);
  return hash('sha256', NODE_INPUT, 'buffer');
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The root of the tree over `leaves` (already leaf-hashed) and the audit path of every leaf,
 * siblings ordered from the leaf up to the root.
 */
export function merkleTree(leaves: readonly Buffer[]): { root: Buffer; paths: Buffer[][] } {
  if (leaves.length === 0) throw new RangeError('a Merkle tree needs at least one leaf');
  const paths: Buffer[][] = leaves.map(() => []);
  const build = (lo: number, hi: number): Buffer => {
    if (hi - lo === 1) return leaves[lo]!;
    const mid = lo + splitPoint(hi - lo);
    const left = build(lo, mid);
    const right = build(mid, hi);
    for (let i = lo; i < mid; i++) paths[i]!.push(right);
    for (let i = mid; i < hi; i++) paths[i]!.push(left);
    return nodeHash(left, right);
  };
  return { root: build(0, leaves.length), paths };
}

/** The root of the tree over `leaves` (already leaf-hashed), without the audit paths. */
export function merkleRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) throw new RangeError('a Merkle tree needs at least one leaf');
  const build = (lo: number, hi: number): Buffer => {
    if (hi - lo === 1) return leaves[lo]!;
    const mid = lo + splitPoint(hi - lo);
    return nodeHash(build(lo, mid), build(mid, hi));
  };
  return build(0, leaves.length);
}

/**
 * The root implied by a leaf, its index, the tree size and its audit path (RFC 9162 §2.1.3.2), or
 * null when the path cannot belong to a tree of that size.
 */
export function rootFromPath(leaf: Buffer, index: number, size: number, path: readonly Buffer[]): Buffer | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}
