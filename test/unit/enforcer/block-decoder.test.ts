import { describe, expect, it } from 'vitest';
import { decodeBlockMessage } from '../../../src/enforcer/block-decoder.js';
import { createSigner, createVerifier, generateKeyPair } from '../../../src/decisions/signing.js';
import type { BlockRecord } from '../../../src/decisions/block-record.js';

const trusted = generateKeyPair();
const signer = createSigner(trusted.privateKeyPem);
const verifier = createVerifier([trusted.publicKeyPem]);
const record: BlockRecord = { identity: 'svc-a', state: 'block', reason: 'r', decisionId: null, source: 'operator:alice', createdAt: '2026-11-20T02:00:00.000Z', expiresAt: null };
const buf = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('decodeBlockMessage', () => {
  it('accepts a record signed by a trusted key under its own key', () => {
    expect(decodeBlockMessage(buf('svc-a'), buf(signer.sign(record)), verifier)).toMatchObject({ ok: true, record: { identity: 'svc-a' } });
    const tokenRecord = signer.sign({ ...record, tokenId: 't1' });
    expect(decodeBlockMessage(buf('svc-a|t1'), buf(tokenRecord), verifier).ok).toBe(true);
  });

  it('rejects unsigned, forged and tampered records', () => {
    const forged = createSigner(generateKeyPair().privateKeyPem).sign(record);
    expect(decodeBlockMessage(buf('svc-a'), buf(record), verifier)).toMatchObject({ ok: false, reason: 'bad-signature', detail: 'unsigned' });
    expect(decodeBlockMessage(buf('svc-a'), buf(forged), verifier)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(decodeBlockMessage(buf('svc-a'), buf({ ...signer.sign(record), state: 'lift' }), verifier)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a signed record filed under another key, junk and malformed records; reports tombstones', () => {
    expect(decodeBlockMessage(buf('svc-b'), buf(signer.sign(record)), verifier)).toMatchObject({ ok: false, reason: 'key-mismatch' });
    expect(decodeBlockMessage(buf('svc-a'), buf('{nope'), verifier)).toMatchObject({ ok: false, reason: 'not-json' });
    expect(decodeBlockMessage(buf('svc-a'), buf({ ...record, state: 'maybe' }), verifier)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(decodeBlockMessage(buf('svc-a'), buf({ ...record, expiresAt: 'tomorrow' }), verifier)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(decodeBlockMessage(buf('svc-a'), null, verifier)).toMatchObject({ ok: false, reason: 'tombstone' });
  });
});
