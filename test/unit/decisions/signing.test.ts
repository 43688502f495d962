import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { createSigner, createVerifier, generateKeyPair } from '../../../src/decisions/signing.js';
import { canonicalJson } from '../../../src/decisions/canonical.js';

const decision = {
  decisionId: 'd1',
  eventId: 'e1',
  identity: 'svc-deployer',
  verdict: 'block',
  score: 91,
  reasons: [{ code: 'NEW_ACTION', detail: 'first use of iam:CreateAccessKey', weight: 35 }],
};

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});

describe('Ed25519 signing', () => {
  const keys = generateKeyPair();
  const signer = createSigner(keys.privateKeyPem);
  const verifier = createVerifier([keys.publicKeyPem]);

  it('signs with the key id and verifies regardless of key order', () => {
    const signed = signer.sign(decision);
    expect(signed.sig).toMatch(new RegExp(`^ed25519:${keys.keyId}:`));
    const reordered = JSON.parse(JSON.stringify({ sig: signed.sig, ...Object.fromEntries(Object.entries(decision).reverse()) })) as typeof signed;
    expect(verifier.verify(reordered)).toBe(true);
  });

  it('rejects a record whose verdict was changed after signing', () => {
    const signed = signer.sign(decision);
    expect(verifier.verify({ ...signed, verdict: 'allow' })).toBe(false);
  });

  it('rejects a missing, malformed or foreign signature', () => {
    const other = createSigner(generateKeyPair().privateKeyPem).sign(decision);
    expect(verifier.verify(decision)).toBe(false);
    expect(verifier.verify({ ...decision, sig: 'ed25519:zz:abc' })).toBe(false);
    expect(verifier.verify(other)).toBe(false);
  });

  it('trusts several keys during a rotation', () => {
    const next = generateKeyPair();
    const both = createVerifier([keys.publicKeyPem, next.publicKeyPem]);
    expect(both.verify(createSigner(next.privateKeyPem).sign(decision))).toBe(true);
    expect(both.verify(signer.sign(decision))).toBe(true);
  });

  it('refuses keys that are not Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => createSigner(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(/not ed25519/);
    expect(() => createVerifier(['not a key'])).toThrow(/WARDEN_KEY_INVALID|not a PEM/);
  });
});
