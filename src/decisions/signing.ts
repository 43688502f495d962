/**
 * Ed25519 signatures over decisions and block records, in two forms:
 *
 * - one signature per record, `ed25519:<keyId>:<base64 signature>`, over the canonical JSON of the
 *   record without its `sig` field (block records, operator records);
 * - one signature per batch (the live pipeline's decisions): the records are the leaves of a
 *   Merkle tree (RFC 9162 hashing), Ed25519 signs the tree size and root, and each record carries
 *   its own inclusion proof: `ed25519-merkle:<keyId>:<size>:<index>:<path>:<base64 signature>`,
 *   where `<path>` is the audit path, base64url hashes joined by `.`. The signed message is the
 *   bytes `warden-merkle-v1:<size>:` followed by the 32-byte root. A verifier checks the path and
 *   then the signature, once per batch (it caches signatures it already checked).
 *
 * The key id (first 16 hex chars of the SHA-256 of the public key) lets enforcers pick the right
 * key during a key rotation.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { WardenError } from '../errors.js';
import { canonicalJson } from './canonical.js';
import { leafHash, merkleTree, rootFromPath } from './merkle.js';

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
}

export interface SignerOptions {
  /** Records per Merkle-batch signature in `signAll`; 1 signs each record on its own. @defaultValue 1 */
  batchSize?: number;
}

export interface Verifier {
  /** Key ids this verifier trusts. */
  readonly keyIds: readonly string[];
  verify(record: object): boolean;
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

/** The JSON text of a record (canonical, without `sig`) with `sig` appended. */
function withSig(canonical: string, sig: string): string {
  return canonical === '{}' ? `{"sig":${JSON.stringify(sig)}}` : `${canonical.slice(0, -1)},"sig":${JSON.stringify(sig)}}`;
}

const MERKLE_CONTEXT = 'warden-merkle-v1';

function merkleMessage(size: number, root: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${MERKLE_CONTEXT}:${size}:`), root]);
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
  const signOne = (canonical: string): string => withSig(canonical, prefix + sign(null, Buffer.from(canonical), key).toString('base64'));
  const signBatch = (canonicals: readonly string[], out: string[]): void => {
    if (canonicals.length === 1) {
      out.push(signOne(canonicals[0]!));
      return;
    }
    const { root, paths } = merkleTree(canonicals.map((c) => leafHash(c)));
    const size = canonicals.length;
    const tail = `:${sign(null, merkleMessage(size, root), key).toString('base64')}"}`;
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
      out.push(`${head}"sig":"ed25519-merkle:${keyId}:${size}:${i}:${paths[i]!.map(b64).join('.')}${tail}`);
    }
  };
  return {
    keyId,
    sign<T extends object>(record: T): T & { sig: string } {
      const sig = prefix + sign(null, withoutSig(record), key).toString('base64');
      return { ...record, sig };
    },
    signAll(records) {
      const out: string[] = [];
      const canonicals = records.map((r) => {
        const { sig: _sig, ...rest } = r as Signed;
        return canonicalJson(rest);
      });
      for (let i = 0; i < canonicals.length; i += batchSize) signBatch(canonicals.slice(i, i + batchSize), out);
      return out;
    },
  };
}

const SINGLE = /^ed25519:([0-9a-f]{16}):([A-Za-z0-9+/=]+)$/;
const MERKLE = /^ed25519-merkle:([0-9a-f]{16}):([1-9][0-9]{0,9}):(0|[1-9][0-9]{0,9}):([A-Za-z0-9_.-]*):([A-Za-z0-9+/=]+)$/;
const HASH = /^[A-Za-z0-9_-]{43}$/;
/** Batch signatures a verifier remembers having checked (one per batch, so a few thousand suffice). */
const CHECKED_BATCHES = 4096;

/** A verifier trusting one or more public keys (several during a key rotation). */
export function createVerifier(publicKeyPems: readonly string[]): Verifier {
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
  return {
    keyIds: [...keys.keys()],
    verify(record: object): boolean {
      const sig = String((record as Signed).sig ?? '');
      const single = SINGLE.exec(sig);
      if (single) {
        const key = keys.get(single[1] ?? '');
        if (!key) return false;
        try {
          return verify(null, withoutSig(record), key, Buffer.from(single[2] ?? '', 'base64'));
        } catch {
          return false;
        }
      }
      const merkle = MERKLE.exec(sig);
      if (!merkle) return false;
      const [, keyId = '', sizeText = '', indexText = '', pathText = '', signature = ''] = merkle;
      const key = keys.get(keyId);
      if (!key) return false;
      const hashes = pathText === '' ? [] : pathText.split('.');
      if (!hashes.every((h) => HASH.test(h))) return false;
      const size = Number(sizeText);
      const root = rootFromPath(leafHash(withoutSig(record)), Number(indexText), size, hashes.map((h) => Buffer.from(h, 'base64url')));
      if (!root) return false;
      const checkedKey = `${keyId}:${size}:${root.toString('base64')}:${signature}`;
      const known = checked.get(checkedKey);
      if (known !== undefined) return known;
      let ok: boolean;
      try {
        ok = verify(null, merkleMessage(size, root), key, Buffer.from(signature, 'base64'));
      } catch {
        ok = false;
      }
      if (checked.size >= CHECKED_BATCHES) checked.delete(checked.keys().next().value as string);
      checked.set(checkedKey, ok);
      return ok;
    },
  };
}
