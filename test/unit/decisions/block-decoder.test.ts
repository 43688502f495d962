import { describe, expect, it } from 'vitest';
import { decodeBlockMessage } from '../../../src/decisions/block-decoder.js';
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
  // Rejections (unsigned, forged, tampered, re-keyed, junk, tombstones): test/security/enforcer-records.test.ts.
});
