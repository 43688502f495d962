import { describe, expect, it } from 'vitest';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { createSigner, createVerifier, generateKeyPair } from '../../../src/decisions/signing.js';
import { canonicalJson } from '../../../src/decisions/canonical.js';
import { leafHash, merkleTree } from '../../../src/decisions/merkle.js';

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

  it('gives the same text whatever the insertion order, integer-like keys and undefined included', () => {
    const sorted = { a: 1, b: { c: [null, 'x', { d: 1, e: undefined }] }, z: 'end' };
    const shuffled = { z: 'end', b: { c: [null, 'x', { e: undefined, d: 1 }] }, a: 1 };
    expect(canonicalJson(shuffled)).toBe(canonicalJson(sorted));
    expect(canonicalJson(sorted)).toBe('{"a":1,"b":{"c":[null,"x",{"d":1}]},"z":"end"}');
    // JSON.stringify would put "2" before "10"; canonical order is by string.
    expect(canonicalJson({ '10': 'a', '2': 'b', x: 1 })).toBe('{"10":"a","2":"b","x":1}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson({ at: new Date(0), n: null })).toBe('{"at":{},"n":null}');
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

  it('tells an unsigned record, an unknown key, a bad signature and a malformed sig apart', () => {
    const stranger = generateKeyPair();
    const signed = signer.sign(decision);
    expect(verifier.inspect(decision)).toEqual({ valid: false, status: 'unsigned' });
    expect(verifier.inspect({ ...decision, sig: '' })).toEqual({ valid: false, status: 'unsigned' });
    expect(verifier.inspect(signed)).toEqual({ valid: true, status: 'valid', keyId: keys.keyId });
    expect(verifier.inspect({ ...signed, verdict: 'allow' })).toEqual({ valid: false, status: 'bad-signature', keyId: keys.keyId });
    expect(verifier.inspect(createSigner(stranger.privateKeyPem).sign(decision))).toEqual({ valid: false, status: 'unknown-key', keyId: stranger.keyId });
    expect(verifier.inspect({ ...decision, sig: 'ed25519:zz:abc' })).toEqual({ valid: false, status: 'malformed' });
    expect(verifier.inspect({ ...decision, sig: 42 })).toEqual({ valid: false, status: 'malformed' });
    // A trusted key id with a mangled rest is an altered signature, not a foreign one.
    expect(verifier.inspect({ ...decision, sig: `ed25519:${keys.keyId}:!!` })).toMatchObject({ status: 'bad-signature' });
    // Batch signatures: the same three kinds.
    const texts = createSigner(keys.privateKeyPem, { batchSize: 4 }).signAll([decision, { ...decision, decisionId: 'd2' }]);
    const first = JSON.parse(texts[0]!) as typeof decision & { sig: string };
    expect(verifier.inspect(first)).toMatchObject({ valid: true, status: 'valid', keyId: keys.keyId });
    expect(verifier.inspect({ ...first, score: 1 })).toMatchObject({ valid: false, status: 'bad-signature' });
    const foreign = JSON.parse(createSigner(stranger.privateKeyPem, { batchSize: 4 }).signAll([decision, decision])[1]!) as object;
    expect(verifier.inspect(foreign)).toEqual({ valid: false, status: 'unknown-key', keyId: stranger.keyId });
  });

  it('trusts several keys during a rotation', () => {
    const next = generateKeyPair();
    const both = createVerifier([keys.publicKeyPem, next.publicKeyPem]);
    expect(both.verify(createSigner(next.privateKeyPem).sign(decision))).toBe(true);
    expect(both.verify(signer.sign(decision))).toBe(true);
  });

  it('signs batches with one signature and a per-record inclusion proof', () => {
    const batched = createSigner(keys.privateKeyPem, { batchSize: 8 });
    const records = Array.from({ length: 21 }, (_, i) => ({ ...decision, decisionId: `d${i}`, score: i }));
    const texts = batched.signAll(records);
    expect(texts).toHaveLength(21);
    const parsed = texts.map((t) => JSON.parse(t) as typeof decision & { sig: string });
    expect(parsed.map((r) => r.decisionId)).toEqual(records.map((r) => r.decisionId));
    // v2: size, index, the base64url event ids of the batch's first and last leaves, the path.
    expect(parsed[0]!.sig).toMatch(new RegExp(`^ed25519-merkle-v2:${keys.keyId}:8:0:ZTE:ZTE:[A-Za-z0-9_.-]+:`));
    expect(parsed[20]!.sig).toMatch(/^ed25519-merkle-v2:[0-9a-f]{16}:5:4:/);
    // Batches of 8, 8 and 5 share three signatures.
    expect(new Set(parsed.map((r) => r.sig.split(':').pop())).size).toBe(3);
    const fresh = createVerifier([keys.publicKeyPem]);
    for (const r of parsed) expect(fresh.verify(r)).toBe(true);
  });

  it('rejects a batch-signed record that was altered, moved or signed by another key', () => {
    const batched = createSigner(keys.privateKeyPem, { batchSize: 4 });
    const [a, b] = batched.signAll([{ ...decision, decisionId: 'a' }, { ...decision, decisionId: 'b' }, { ...decision, decisionId: 'c' }]).map((t) => JSON.parse(t) as typeof decision & { sig: string });
    expect(verifier.verify({ ...a!, verdict: 'allow' })).toBe(false);
    expect(verifier.verify({ ...a!, sig: b!.sig })).toBe(false);
    expect(verifier.verify({ ...a!, sig: a!.sig.replace(':3:0:', ':3:1:') })).toBe(false);
    expect(verifier.verify({ ...a!, sig: a!.sig.replace(':3:0:', ':4:0:') })).toBe(false);
    expect(verifier.verify({ ...a!, sig: a!.sig.replace(/:[^:]+$/, ':AAAA') })).toBe(false);
    const foreign = createSigner(generateKeyPair().privateKeyPem, { batchSize: 4 }).signAll([decision, decision]).map((t) => JSON.parse(t) as object);
    expect(verifier.verify(foreign[0]!)).toBe(false);
    // The same altered record is rejected again once its batch signature is cached as valid.
    expect(verifier.verify(a!)).toBe(true);
    expect(verifier.verify({ ...a!, score: 1 })).toBe(false);
  });

  it('still verifies v1 batch signatures (size and root only), and says where a record sits', () => {
    const records = [{ ...decision, decisionId: 'a' }, { ...decision, decisionId: 'b' }, { ...decision, decisionId: 'c' }];
    const { root, paths } = merkleTree(records.map((r) => leafHash(canonicalJson(r))));
    const signature = sign(null, Buffer.concat([Buffer.from('warden-merkle-v1:3:'), root]), createPrivateKey(keys.privateKeyPem)).toString('base64');
    const v1 = records.map((r, i) => ({ ...r, sig: `ed25519-merkle:${keys.keyId}:3:${i}:${paths[i]!.map((h) => h.toString('base64url')).join('.')}:${signature}` }));
    const fresh = createVerifier([keys.publicKeyPem]);
    for (const r of v1) expect(fresh.verify(r)).toBe(true);
    expect(fresh.inspect(v1[2]!)).toEqual({ valid: true, status: 'valid', keyId: keys.keyId, batch: { index: 2, manifest: { batchId: root.toString('hex').slice(0, 16), keyId: keys.keyId, size: 3, firstEventId: null, lastEventId: null, version: 1 } } });
    expect(fresh.verify({ ...v1[0]!, score: 1 })).toBe(false);
  });

  it('binds the manifest (first and last event ids) into the batch signature', () => {
    const batched = createSigner(keys.privateKeyPem, { batchSize: 3 });
    const [a, , c] = batched.signAll(['e1', 'e2', 'e3'].map((eventId) => ({ ...decision, eventId }))).map((t) => JSON.parse(t) as typeof decision & { sig: string });
    expect(verifier.inspect(c!).batch?.manifest).toMatchObject({ size: 3, firstEventId: 'e1', lastEventId: 'e3', version: 2 });
    // Claiming another first/last event id breaks the signature.
    expect(verifier.verify({ ...a!, sig: a!.sig.replace(':ZTE:ZTM:', ':ZTE:ZTI:') })).toBe(false);
    expect(verifier.verify({ ...c!, sig: c!.sig.replace(':ZTE:ZTM:', ':ZTI:ZTM:') })).toBe(false);
  });

  it('signAll with batch size 1 writes ordinary per-record signatures', () => {
    const [text] = signer.signAll([decision]);
    const record = JSON.parse(text!) as typeof decision & { sig: string };
    expect(record.sig).toMatch(/^ed25519:[0-9a-f]{16}:/);
    expect(verifier.verify(record)).toBe(true);
    expect(() => createSigner(keys.privateKeyPem, { batchSize: 0 })).toThrow(/positive integer/);
  });

  it('refuses keys that are not Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => createSigner(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(/not ed25519/);
    expect(() => createVerifier(['not a key'])).toThrow(/WARDEN_KEY_INVALID|not a PEM/);
  });
});
