/**
 * Ed25519 signatures over decisions and block records, in two forms:
 *
 * - one signature per record, `ed25519:<keyId>:<base64 signature>`, over the canonical JSON of the
 *   record without its `sig` field (block records, operator records, allow-batch records: the
 *   plain allows of a batch, allow-batch.ts);
 * - one signature per batch (the live pipeline's decisions): the records are the leaves of a
 *   Merkle tree (RFC 9162 hashing), Ed25519 signs the tree size and root, and each record carries
 *   its own inclusion proof and the batch manifest (manifest.ts):
 *   `ed25519-merkle-v2:<keyId>:<size>:<index>:<first>:<last>:<path>:<base64 signature>`, where
 *   `<first>`/`<last>` are the base64url event ids of the batch's first and last leaves and
 *   `<path>` is the audit path, base64url hashes joined by `.`. The signed message is the bytes
 *   `warden-merkle-v2:<size>:<first>:<last>:` followed by the 32-byte root. The older
 *   `ed25519-merkle:<keyId>:<size>:<index>:<path>:<sig>` form (message `warden-merkle-v1:<size>:`
 *   ‖ root) is still verified. A verifier checks the path and then the signature, once per batch
 *   (it caches signatures it already checked).
 *
 * The key id (first 16 hex chars of the SHA-256 of the public key) lets enforcers pick the right
 * key during a key rotation.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { WardenError } from '../errors.js';
import { canonicalJson } from './canonical.js';
import { leafHash, merkleRoot, merkleTree, rootFromPath } from './merkle.js';
import { allowBatchEntry, allowBatchJson, allowBatchProblem, isAllowBatchRecord } from './allow-batch.js';
import type { AllowBatchRecord } from './allow-batch.js';
import { batchIdOf, decodeEventId, encodeEventId, eventIdOf, manifestMessage } from './manifest.js';
import type { LeafPosition } from './manifest.js';
import { isManifestRecord, isPlainAllow, LEAF_CHARS } from './compact.js';
import type { AllowOutput, ManifestRecord } from './compact.js';
import type { Decision } from './decision.js';

export interface Signed {
  sig?: string;
}

export interface Signer {
  readonly keyId: string;
  sign<T extends object>(record: T): T & { sig: string };
  /**
   * Signs records for publishing and returns each as JSON text with its `sig`: one Merkle-batch
   * signature per `batchSize` records, or one signature per record when `batchSize` is 1.
   */
  signAll(records: readonly object[]): string[];
  /**
   * Signs a processed batch of decisions for publishing in the `decisions.allow` form. With `full`
   * this is `signAll`. With `compact` or `none`, full records (alerts, blocks, notable allows) are
   * Merkle-batch signed among themselves and the batch's plain allows go into allow-batch records
   * (allow-batch.ts), each signed once; `values` is null for a plain allow.
   */
  signDecisions(decisions: readonly Decision[], allow: AllowOutput, options?: AllowBatchOptions): SignedDecisions;
}

export interface AllowBatchOptions {
  /** `<topic>:<partition>` the batch was read from (the allow-batch record's `source`). */
  source?: string;
  /** Largest allow-batch record (JSON text bytes); a larger one is split. @defaultValue unbounded */
  maxRecordBytes?: number;
}

export interface SignedDecisions {
  /** Per decision, in order: its record as JSON text, or null when it is not published on its own. */
  values: Array<string | null>;
  /** Allow-batch records, in order; none with `allow: full`. */
  allowBatches: SignedAllowBatch[];
}

export interface SignedAllowBatch {
  /** The record as JSON text, signed. */
  value: string;
  /** Plain allows it accounts for (entries + omitted). */
  allows: number;
}

export interface SignerOptions {
  /** Records per Merkle-batch signature in `signAll`; 1 signs each record on its own. @defaultValue 1 */
  batchSize?: number;
}

/**
 * What a verifier found on one record:
 * - `valid`: signed by a trusted key, and the record is what was signed;
 * - `unsigned`: the record has no `sig` (or an empty one): it was never signed;
 * - `unknown-key`: signed (the `sig` names a key id) by a key the verifier does not trust: a wrong
 *   or rotated-out public key, or a record signed by someone else;
 * - `bad-signature`: a `sig` naming a trusted key that does not verify: the record (or its
 *   signature, or its inclusion proof) was altered after signing;
 * - `malformed`: a `sig` that is not a Warden signature at all (no key id can be read from it);
 * - `no-manifest`: a compact record whose batch manifest this verifier has not seen (yet): it
 *   is covered by the manifest's signature only, so it cannot be checked without it; likewise an
 *   entry of an allow-batch record (allow-batch.ts) whose record this verifier has not checked.
 */
export type SignatureStatus = 'valid' | 'unsigned' | 'unknown-key' | 'bad-signature' | 'malformed' | 'no-manifest';

export interface Inspection {
  valid: boolean;
  status: SignatureStatus;
  /** The key id the `sig` names, when one can be read from it. */
  keyId?: string;
  /** Where a valid Merkle-batch-signed record sits in its batch; absent for one-record signatures. */
  batch?: LeafPosition;
  /** A valid manifest record: the batch it describes (compact.ts). */
  manifest?: { batchId: string; keyId: string; size: number; decided: number; omitted: number; first: string; last: string };
  /** A valid allow-batch record: what it accounts for (allow-batch.ts). */
  allowBatch?: { keyId: string; source: string; first: string; last: string; decided: number; entries: number; full: readonly string[]; omitted: number };
}

export interface Verifier {
  /** Key ids this verifier trusts. */
  readonly keyIds: readonly string[];
  verify(record: object): boolean;
  /**
   * Verifies a record, says why it does not verify, and, for a Merkle-batch signature, where it
   * sits in its batch (for checks over a whole stream: `warden verify`).
   */
  inspect(record: object): Inspection;
}

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function generateKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

function withoutSig(record: object): Buffer {
  const { sig: _sig, ...rest } = record as Signed;
  return Buffer.from(canonicalJson(rest));
}

/** Whether `signature` (base64) is `key`'s Ed25519 signature of the record without `sig`; false for one that cannot be checked at all. */
function signedBy(record: object, key: KeyObject, signature: string): boolean {
  try {
    return verify(null, withoutSig(record), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The JSON text of a record (canonical, without `sig`) with `sig` appended. */
function withSig(canonical: string, sig: string): string {
  return canonical === '{}' ? `{"sig":${JSON.stringify(sig)}}` : `${canonical.slice(0, -1)},"sig":${JSON.stringify(sig)}}`;
}

export function createSigner(privateKeyPem: string, options: SignerOptions = {}): Signer {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (cause) {
    throw new WardenError('WARDEN_KEY_INVALID', 'the signing key is not a PEM private key', { cause });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new WardenError('WARDEN_KEY_INVALID', `the signing key is ${key.asymmetricKeyType}, not ed25519`);
  const keyId = keyIdOf(createPublicKey(key));
  const prefix = `ed25519:${keyId}:`;
  const batchSize = options.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new WardenError('WARDEN_CONFIG_INVALID', `signing batch size must be a positive integer, got ${batchSize}`);
  /** `canonical` with its signature; `bytes`: its UTF-8 bytes when the caller has them already. */
  const signOne = (canonical: string, bytes: Buffer = Buffer.from(canonical)): string => withSig(canonical, prefix + sign(null, bytes, key).toString('base64'));
  const signBatch = (canonicals: readonly string[], eventIds: readonly string[], out: string[]): void => {
    if (canonicals.length === 1) {
      out.push(signOne(canonicals[0]!));
      return;
    }
    const { root, paths } = merkleTree(canonicals.map((c) => leafHash(c)));
    const size = canonicals.length;
    const first = encodeEventId(eventIds[0] ?? '');
    const last = encodeEventId(eventIds[size - 1] ?? '');
    const tail = `:${sign(null, manifestMessage(size, root, first, last), key).toString('base64')}"}`;
    // Paths share their nodes: encode each node once.
    const encoded = new Map<Buffer, string>();
    const b64 = (h: Buffer): string => {
      let text = encoded.get(h);
      if (text === undefined) {
        text = h.toString('base64url');
        encoded.set(h, text);
      }
      return text;
    };
    for (const [i, canonical] of canonicals.entries()) {
      const head = canonical === '{}' ? '{' : `${canonical.slice(0, -1)},`;
      out.push(`${head}"sig":"ed25519-merkle-v2:${keyId}:${size}:${i}:${first}:${last}:${paths[i]!.map(b64).join('.')}${tail}`);
    }
  };
  const signAll = (records: readonly object[]): string[] => {
    const out: string[] = [];
    const canonicals = records.map((r) => {
      const { sig: _sig, ...rest } = r as Signed;
      return canonicalJson(rest);
    });
    const eventIds = records.map(eventIdOf);
    for (let i = 0; i < canonicals.length; i += batchSize) signBatch(canonicals.slice(i, i + batchSize), eventIds.slice(i, i + batchSize), out);
    return out;
  };
  /**
   * The allow-batch records of `decisions[from, to)` (allow-batch.ts), signed: one, or, when it
   * would exceed `maxBytes`, the records of the two halves of the range, recursively.
   */
  const signAllowBatches = (decisions: readonly Decision[], from: number, to: number, source: string, omit: boolean, maxBytes: number, out: SignedAllowBatch[]): void => {
    const { json, allows } = allowBatchJson(decisions, from, to, source, omit);
    // The bytes signed, and measured: `,"sig":"ed25519:<16 hex>:<88 base64>"` adds 122 of them.
    const bytes = Buffer.from(json);
    if (to - from > 1 && bytes.length + 122 > maxBytes) {
      const mid = from + Math.floor((to - from) / 2);
      signAllowBatches(decisions, from, mid, source, omit, maxBytes, out);
      signAllowBatches(decisions, mid, to, source, omit, maxBytes, out);
    } else out.push({ value: signOne(json, bytes), allows });
  };
  return {
    keyId,
    signAll,
    signDecisions(decisions, allow, options = {}) {
      if (allow === 'full') return { values: signAll(decisions), allowBatches: [] };
      const values = new Array<string | null>(decisions.length).fill(null);
      const full: Decision[] = [];
      const at: number[] = [];
      for (let i = 0; i < decisions.length; i++) {
        const d = decisions[i]!;
        if (isPlainAllow(d)) continue;
        full.push(d);
        at.push(i);
      }
      // Full records keep their Merkle-batch signatures, among themselves.
      const texts = signAll(full);
      for (let j = 0; j < texts.length; j++) values[at[j]!] = texts[j]!;
      const allowBatches: SignedAllowBatch[] = [];
      if (decisions.length > 0) signAllowBatches(decisions, 0, decisions.length, options.source ?? '', allow === 'none', options.maxRecordBytes ?? Number.POSITIVE_INFINITY, allowBatches);
      return { values, allowBatches };
    },
    sign<T extends object>(record: T): T & { sig: string } {
      const sig = prefix + sign(null, withoutSig(record), key).toString('base64');
      return { ...record, sig };
    },
  };
}

const SINGLE = /^ed25519:([0-9a-f]{16}):([A-Za-z0-9+/=]+)$/;
const MERKLE_V1 = /^ed25519-merkle:([0-9a-f]{16}):([1-9][0-9]{0,9}):(0|[1-9][0-9]{0,9}):([A-Za-z0-9_.-]*):([A-Za-z0-9+/=]+)$/;
const MERKLE_V2 = /^ed25519-merkle-v2:([0-9a-f]{16}):([1-9][0-9]{0,9}):(0|[1-9][0-9]{0,9}):([A-Za-z0-9_-]*):([A-Za-z0-9_-]*):([A-Za-z0-9_.-]*):([A-Za-z0-9+/=]+)$/;
const HASH = /^[A-Za-z0-9_-]{43}$/;
/** The key id of any Warden signature form, read before the rest of the signature is parsed. */
const KEY_ID = /^ed25519(?:-merkle(?:-v2|-leaf)?|-allow-batch)?:([0-9a-f]{16}):/;
const ALLOW_ENTRY = /^ed25519-allow-batch:([0-9a-f]{16}):([A-Za-z0-9+/]{22}):(0|[1-9][0-9]{0,9})$/;
const LEAF = /^ed25519-merkle-leaf:([0-9a-f]{16}):([0-9a-f]{16}):([1-9][0-9]{0,9}):(0|[1-9][0-9]{0,9})$/;
/** Manifests (and allow-batch records) a verifier keeps for the compact records still to come. */
const KEPT_MANIFESTS = 4096;
/** Batch signatures a verifier remembers having checked (one per batch, so a few thousand suffice). */
const CHECKED_BATCHES = 4096;

/** A verifier trusting one or more public keys (several during a key rotation). */
export function createVerifier(publicKeyPems: readonly string[], options: { keptManifests?: number } = {}): Verifier {
  const keptManifests = options.keptManifests ?? KEPT_MANIFESTS;
  const keys = new Map<string, KeyObject>();
  for (const pem of publicKeyPems) {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch (cause) {
      throw new WardenError('WARDEN_KEY_INVALID', 'a verification key is not a PEM public key', { cause });
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new WardenError('WARDEN_KEY_INVALID', `a verification key is ${key.asymmetricKeyType}, not ed25519`);
    keys.set(keyIdOf(key), key);
  }
  const checked = new Map<string, boolean>();
  /** `<keyId>:<batchId>` → a verified manifest. */
  const manifests = new Map<string, ManifestRecord>();
  /** `<keyId>:<ref>` → a verified allow-batch record (allow-batch.ts). */
  const allowBatches = new Map<string, AllowBatchRecord>();
  /** An allow-batch record: its own signature, then its shape (counts, rows). */
  const inspectAllowBatch = (record: AllowBatchRecord, keyId: string, key: KeyObject, signature: string): Inspection => {
    const bad: Inspection = { valid: false, status: 'bad-signature', keyId };
    if (!signedBy(record, key, signature)) return bad;
    if (allowBatchProblem(record) !== null) return bad;
    if (allowBatches.size >= keptManifests) allowBatches.delete(allowBatches.keys().next().value as string);
    allowBatches.set(`${keyId}:${signature.slice(0, 22)}`, record);
    const { source, first, last, decided, entries, full, omitted } = record;
    return { valid: true, status: 'valid', keyId, allowBatch: { keyId, source, first, last, decided, entries: entries.length, full, omitted } };
  };
  /** An entry of an allow-batch record: exactly the row its record (checked before) holds. */
  const inspectAllowEntry = (record: object, keyId: string, entry: RegExpExecArray): Inspection => {
    const batch = allowBatches.get(`${keyId}:${entry[2] ?? ''}`);
    if (!batch) return { valid: false, status: 'no-manifest', keyId };
    const expected = allowBatchEntry(batch, Number(entry[3]));
    const { sig: _sig, ...rest } = record as Signed;
    return expected !== null && canonicalJson(rest) === JSON.stringify(expected) ? { valid: true, status: 'valid', keyId } : { valid: false, status: 'bad-signature', keyId };
  };
  /** A manifest record: its own signature, then that its leaves give its root. */
  const inspectManifest = (record: ManifestRecord, keyId: string, key: KeyObject, signature: string): Inspection => {
    const bad: Inspection = { valid: false, status: 'bad-signature', keyId };
    if (!signedBy(record, key, signature)) return bad;
    const { size, leaves, decided, omitted } = record;
    if (!Number.isSafeInteger(size) || !Number.isSafeInteger(omitted) || size < 0 || omitted < 0 || decided !== size + omitted || typeof leaves !== 'string' || leaves.length !== size * LEAF_CHARS) return bad;
    if (size > 0) {
      const hashes: Buffer[] = [];
      for (let i = 0; i < size; i++) hashes.push(Buffer.from(leaves.slice(i * LEAF_CHARS, (i + 1) * LEAF_CHARS), 'base64url'));
      const root = merkleRoot(hashes);
      if (root.toString('base64url') !== record.root || batchIdOf(root) !== record.batchId) return bad;
      if (manifests.size >= keptManifests) manifests.delete(manifests.keys().next().value as string);
      manifests.set(`${keyId}:${record.batchId}`, record);
    }
    return { valid: true, status: 'valid', keyId, manifest: { batchId: record.batchId, keyId, size, decided, omitted, first: record.first, last: record.last } };
  };
  /** A compact record: its leaf hash must be the one its batch's manifest lists at its index. */
  const inspectLeaf = (record: object, keyId: string, leaf: RegExpExecArray): Inspection => {
    const [, , batchId = '', sizeText = '', indexText = ''] = leaf;
    const manifest = manifests.get(`${keyId}:${batchId}`);
    if (!manifest) return { valid: false, status: 'no-manifest', keyId };
    const size = Number(sizeText);
    const index = Number(indexText);
    if (size !== manifest.size || index >= size) return { valid: false, status: 'bad-signature', keyId };
    const expected = manifest.leaves.slice(index * LEAF_CHARS, (index + 1) * LEAF_CHARS);
    if (leafHash(withoutSig(record)).toString('base64url') !== expected) return { valid: false, status: 'bad-signature', keyId };
    const whole = manifest.omitted === 0;
    const firstEventId = whole ? manifest.first : null;
    const lastEventId = whole ? manifest.last : null;
    return { valid: true, status: 'valid', keyId, batch: { index, manifest: { batchId, keyId, size, firstEventId, lastEventId, version: 2 } } };
  };
  const inspect = (record: object): Inspection => {
    const raw = (record as Signed).sig;
    if (raw === undefined || raw === null || raw === '') return { valid: false, status: 'unsigned' };
    if (typeof raw !== 'string') return { valid: false, status: 'malformed' };
    const keyId = KEY_ID.exec(raw)?.[1];
    if (keyId === undefined) return { valid: false, status: 'malformed' };
    const key = keys.get(keyId);
    if (!key) return { valid: false, status: 'unknown-key', keyId };
    const bad: Inspection = { valid: false, status: 'bad-signature', keyId };
    const single = SINGLE.exec(raw);
    if (single && isManifestRecord(record)) return inspectManifest(record, keyId, key, single[2] ?? '');
    if (single && isAllowBatchRecord(record)) return inspectAllowBatch(record, keyId, key, single[2] ?? '');
    const entry = ALLOW_ENTRY.exec(raw);
    if (entry) return inspectAllowEntry(record, keyId, entry);
    const leaf = LEAF.exec(raw);
    if (leaf) return inspectLeaf(record, keyId, leaf);
    if (single) return signedBy(record, key, single[2] ?? '') ? { valid: true, status: 'valid', keyId } : bad;
    let sizeText: string, indexText: string, pathText: string, signature: string;
    let first: string | undefined;
    let last: string | undefined;
    const v2 = MERKLE_V2.exec(raw);
    if (v2) [, , sizeText = '', indexText = '', first = '', last = '', pathText = '', signature = ''] = v2;
    else {
      const v1 = MERKLE_V1.exec(raw);
      if (!v1) return bad;
      [, , sizeText = '', indexText = '', pathText = '', signature = ''] = v1;
    }
    const hashes = pathText === '' ? [] : pathText.split('.');
    if (!hashes.every((h) => HASH.test(h))) return bad;
    const size = Number(sizeText);
    const index = Number(indexText);
    const root = rootFromPath(leafHash(withoutSig(record)), index, size, hashes.map((h) => Buffer.from(h, 'base64url')));
    if (!root) return bad;
    const firstEventId = first === undefined ? null : decodeEventId(first);
    const lastEventId = last === undefined ? null : decodeEventId(last);
    // The manifest names the first and last leaves' event ids: the leaf there must agree.
    if ((index === 0 && firstEventId !== null && eventIdOf(record) !== firstEventId) || (index === size - 1 && lastEventId !== null && eventIdOf(record) !== lastEventId)) return bad;
    const checkedKey = `${keyId}:${size}:${first ?? ''}:${last ?? ''}:${root.toString('base64')}:${signature}`;
    let ok = checked.get(checkedKey);
    if (ok === undefined) {
      try {
        ok = verify(null, manifestMessage(size, root, first, last), key, Buffer.from(signature, 'base64'));
      } catch {
        ok = false;
      }
      if (checked.size >= CHECKED_BATCHES) checked.delete(checked.keys().next().value as string);
      checked.set(checkedKey, ok);
    }
    if (!ok) return bad;
    return { valid: true, status: 'valid', keyId, batch: { index, manifest: { batchId: batchIdOf(root), keyId, size, firstEventId, lastEventId, version: v2 ? 2 : 1 } } };
  };
  return {
    keyIds: [...keys.keys()],
    verify: (record) => inspect(record).valid,
    inspect,
  };
}
