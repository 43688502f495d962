/**
 * Ed25519 signatures over decisions and block records. The signature covers the canonical JSON
 * of the record without its `sig` field and is written as `ed25519:<keyId>:<base64>`; the key id
 * (first 16 hex chars of the SHA-256 of the public key) lets enforcers pick the right key during
 * a key rotation.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { WardenError } from '../errors.js';
import { canonicalJson } from './canonical.js';

export interface Signed {
  sig?: string;
}

export interface Signer {
  readonly keyId: string;
  sign<T extends object>(record: T): T & { sig: string };
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

export function createSigner(privateKeyPem: string): Signer {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (cause) {
    throw new WardenError('WARDEN_KEY_INVALID', 'the signing key is not a PEM private key', { cause });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new WardenError('WARDEN_KEY_INVALID', `the signing key is ${key.asymmetricKeyType}, not ed25519`);
  const keyId = keyIdOf(createPublicKey(key));
  const prefix = `ed25519:${keyId}:`;
  return {
    keyId,
    sign<T extends object>(record: T): T & { sig: string } {
      const sig = prefix + sign(null, withoutSig(record), key).toString('base64');
      return { ...record, sig };
    },
  };
}

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
  return {
    keyIds: [...keys.keys()],
    verify(record: object): boolean {
      const match = /^ed25519:([0-9a-f]{16}):([A-Za-z0-9+/=]+)$/.exec(String((record as Signed).sig ?? ''));
      if (!match) return false;
      const key = keys.get(match[1] ?? '');
      if (!key) return false;
      try {
        return verify(null, withoutSig(record), key, Buffer.from(match[2] ?? '', 'base64'));
      } catch {
        return false;
      }
    },
  };
}
