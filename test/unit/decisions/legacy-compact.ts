/**
 * Writes decisions the way `warden run` did before allow-batch records (decisions.allow compact
 * and none): per Merkle batch, full records with their proofs, a compact record per plain allow
 * (`ed25519-merkle-leaf:` sig) and a signed manifest listing every leaf hash. Readers and
 * verifiers must keep accepting what is already on topics; this builds such streams for tests.
 */
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { canonicalJson } from '../../../src/decisions/canonical.js';
import { compactDecision, isPlainAllow, MANIFEST_TYPE } from '../../../src/decisions/compact.js';
import type { ManifestRecord } from '../../../src/decisions/compact.js';
import type { Decision } from '../../../src/decisions/decision.js';
import { batchIdOf, encodeEventId, manifestMessage } from '../../../src/decisions/manifest.js';
import { leafHash, merkleRoot, merkleTree } from '../../../src/decisions/merkle.js';
import { keyIdOf } from '../../../src/decisions/signing.js';

export function legacySignDecisions(privateKeyPem: string, decisions: readonly Decision[], allow: 'compact' | 'none', batchSize = 64): { values: Array<string | null>; manifests: string[] } {
  const key = createPrivateKey(privateKeyPem);
  const keyId = keyIdOf(createPublicKey(key));
  const signOne = (canonical: string): string => `${canonical.slice(0, -1)},"sig":"ed25519:${keyId}:${sign(null, Buffer.from(canonical), key).toString('base64')}"}`;
  const values = new Array<string | null>(decisions.length).fill(null);
  const manifests: string[] = [];
  for (let from = 0; from < decisions.length; from += batchSize) {
    const to = Math.min(decisions.length, from + batchSize);
    const canonicals: string[] = [];
    const at: number[] = [];
    const compact: boolean[] = [];
    for (let i = from; i < to; i++) {
      const d = decisions[i]!;
      const plain = isPlainAllow(d);
      if (plain && allow === 'none') continue;
      const { sig: _sig, ...rest } = d;
      canonicals.push(plain ? JSON.stringify(compactDecision(d)) : canonicalJson(rest));
      at.push(i);
      compact.push(plain);
    }
    const size = canonicals.length;
    const manifest: ManifestRecord = { batchId: '', decided: to - from, first: decisions[from]?.eventId ?? '', last: decisions[to - 1]?.eventId ?? '', leaves: '', omitted: to - from - size, root: '', size, type: MANIFEST_TYPE };
    if (size > 0) {
      const hashes = canonicals.map((c) => leafHash(c));
      const full = compact.some((c) => !c);
      const { root, paths } = full ? merkleTree(hashes) : { root: merkleRoot(hashes), paths: [] };
      const batchId = batchIdOf(root);
      manifest.batchId = batchId;
      manifest.leaves = hashes.map((h) => h.toString('base64url')).join('');
      manifest.root = root.toString('base64url');
      const first = encodeEventId(decisions[at[0]!]!.eventId);
      const last = encodeEventId(decisions[at[size - 1]!]!.eventId);
      const tail = full ? `:${sign(null, manifestMessage(size, root, first, last), key).toString('base64')}"}` : '';
      for (const [leaf, canonical] of canonicals.entries()) {
        const head = `${canonical.slice(0, -1)},`;
        values[at[leaf]!] = compact[leaf]
          ? `${head}"sig":"ed25519-merkle-leaf:${keyId}:${batchId}:${size}:${leaf}"}`
          : `${head}"sig":"ed25519-merkle-v2:${keyId}:${size}:${leaf}:${first}:${last}:${paths[leaf]!.map((h) => h.toString('base64url')).join('.')}${tail}`;
      }
    }
    manifests.push(signOne(canonicalJson(manifest)));
  }
  return { values, manifests };
}
