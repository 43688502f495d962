import { describe, expect, it } from 'vitest';
import { allowBatchEntries, ALLOW_BATCH_RECORD, isAllowBatchRecord } from '../../../src/decisions/allow-batch.js';
import type { AllowBatchRecord } from '../../../src/decisions/allow-batch.js';
import { canonicalJson } from '../../../src/decisions/canonical.js';
import { compactDecision, isPlainAllow } from '../../../src/decisions/compact.js';
import type { Decision, Verdict } from '../../../src/decisions/decision.js';
import { createSigner, createVerifier, generateKeyPair } from '../../../src/decisions/signing.js';
import { decisionEntriesOf } from '../../../src/decisions/topic-records.js';
import { legacySignDecisions } from './legacy-compact.js';
import { sampleDecision } from '../../helpers/decision-fixture.js';

const keys = generateKeyPair();

function decision(i: number, verdict: Verdict = 'allow', extra: Partial<Decision> = {}): Decision {
  return sampleDecision(i, verdict, { model: 'm7', ...extra });
}

const batch = (n = 10): Decision[] => Array.from({ length: n }, (_, i) => decision(i, i % 10 === 4 ? 'block' : i % 10 === 7 ? 'alert' : 'allow'));
const parse = (text: string): AllowBatchRecord => JSON.parse(text) as AllowBatchRecord;
const signer = createSigner(keys.privateKeyPem, { batchSize: 64 });

describe('allow-batch records (decisions.allow: compact, none)', () => {
  it('compact: one signed record holds every plain allow of the batch; alerts and blocks stay full records', () => {
    const decisions = batch();
    const { values, allowBatches } = signer.signDecisions(decisions, 'compact', { source: 'audit:3' });
    expect(values.map((v) => v !== null)).toEqual(decisions.map((d) => !isPlainAllow(d)));
    expect(allowBatches).toHaveLength(1);
    expect(allowBatches[0]!.allows).toBe(8);
    const record = parse(allowBatches[0]!.value);
    expect(isAllowBatchRecord(record)).toBe(true);
    expect(record).toMatchObject({ type: 'warden.allow-batch', v: 1, source: 'audit:3', decided: 10, first: 'e0', last: 'e9', full: ['d4', 'd7'], omitted: 0, policy: 'p1', model: 'm7' });
    expect(record.columns).toEqual(['eventId', 'decisionId', 'identity', 'score']);
    expect(record.entries[0]).toEqual(['e0', 'd0', 'svc-0', 0]);
    expect(record.sig).toMatch(new RegExp(`^ed25519:${keys.keyId}:`));
    // Canonical by construction: the signed bytes are the record's canonical JSON.
    const { sig: _sig, ...rest } = record;
    expect(allowBatches[0]!.value.startsWith(canonicalJson(rest).slice(0, -1))).toBe(true);
    // Each entry is the compact form of its decision: the same fields, the same values.
    const plain = decisions.filter(isPlainAllow);
    expect(allowBatchEntries(record).map(({ sig: _s, ...c }) => c)).toEqual(plain.map(compactDecision));
    // The full records are Merkle-batch signed among themselves.
    const verifier = createVerifier([keys.publicKeyPem]);
    expect(verifier.inspect(JSON.parse(values[4]!) as object)).toMatchObject({ valid: true, batch: { index: 0, manifest: { size: 2 } } });
  });

  it('verifies: the record once, its entries against it, and any change shows', () => {
    const { allowBatches } = signer.signDecisions(batch(), 'compact', { source: 'audit:3' });
    const record = parse(allowBatches[0]!.value);
    const verifier = createVerifier([keys.publicKeyPem]);
    const entries = allowBatchEntries(record);
    // An entry names its record; before the record is checked, it cannot be.
    expect(verifier.inspect(entries[0]!)).toMatchObject({ valid: false, status: 'no-manifest', keyId: keys.keyId });
    expect(verifier.inspect(record)).toMatchObject({ valid: true, allowBatch: { source: 'audit:3', decided: 10, entries: 8, full: ['d4', 'd7'], omitted: 0 } });
    for (const e of entries) expect(verifier.inspect(e).status).toBe('valid');
    expect(verifier.inspect({ ...entries[1]!, score: 99 }).status).toBe('bad-signature');
    expect(verifier.inspect({ ...entries[1]!, sig: entries[2]!.sig }).status).toBe('bad-signature');
    expect(verifier.inspect({ ...entries[1]!, extra: 1 }).status).toBe('bad-signature');

    const altered = record.entries.map((row) => [...row]);
    altered[2]![3] = 50;
    expect(createVerifier([keys.publicKeyPem]).inspect({ ...record, entries: altered }).status).toBe('bad-signature');
    expect(createVerifier([keys.publicKeyPem]).inspect({ ...record, full: ['d4'] }).status).toBe('bad-signature');
    expect(createVerifier([keys.publicKeyPem]).inspect({ ...record, decided: 9 }).status).toBe('bad-signature');
    expect(createVerifier([generateKeyPair().publicKeyPem]).inspect(record)).toMatchObject({ status: 'unknown-key', keyId: keys.keyId });
  });

  it('entries carry their own policy and model versions when they differ', () => {
    const decisions = [decision(0), decision(1, 'allow', { policy: { id: null, version: 'p2' } }), decision(2, 'allow', { model: null })];
    const record = parse(signer.signDecisions(decisions, 'compact', { source: 'audit:0' }).allowBatches[0]!.value);
    expect(record.columns).toEqual(['eventId', 'decisionId', 'identity', 'score', 'policy', 'model']);
    expect('policy' in record || 'model' in record).toBe(false);
    expect(allowBatchEntries(record).map(({ sig: _s, ...c }) => c)).toEqual(decisions.map(compactDecision));
    expect(createVerifier([keys.publicKeyPem]).verify(record)).toBe(true);
  });

  it('none: the record keeps the accounting without entries', () => {
    const { values, allowBatches } = signer.signDecisions(batch(), 'none', { source: 'audit:1' });
    expect(values.filter((v) => v !== null)).toHaveLength(2);
    const record = parse(allowBatches[0]!.value);
    expect(record).toMatchObject({ decided: 10, entries: [], full: ['d4', 'd7'], omitted: 8 });
    expect(allowBatches[0]!.allows).toBe(8);
    expect(createVerifier([keys.publicKeyPem]).verify(record)).toBe(true);
    expect(allowBatchEntries(record)).toEqual([]);
  });

  it('a batch larger than the record bound is split over consecutive ranges, each signed and accounting for its own', () => {
    const decisions = batch(1000);
    const { allowBatches } = signer.signDecisions(decisions, 'compact', { source: 'audit:2', maxRecordBytes: 8000 });
    expect(allowBatches.length).toBeGreaterThanOrEqual(3);
    const verifier = createVerifier([keys.publicKeyPem]);
    const records = allowBatches.map((b) => parse(b.value));
    for (const b of allowBatches) expect(Buffer.byteLength(b.value)).toBeLessThanOrEqual(8000);
    expect(records.every((r) => verifier.verify(r))).toBe(true);
    expect(records.reduce((n, r) => n + r.decided, 0)).toBe(1000);
    expect(records.flatMap((r) => allowBatchEntries(r).map((e) => e.decisionId))).toEqual(decisions.filter(isPlainAllow).map((d) => d.decisionId));
    expect(records.flatMap((r) => r.full)).toEqual(decisions.filter((d) => !isPlainAllow(d)).map((d) => d.decisionId));
    // Ranges follow each other: each record starts where the previous ended.
    for (let i = 1; i < records.length; i++) expect(Number(records[i]!.first.slice(1))).toBe(Number(records[i - 1]!.last.slice(1)) + 1);
  });

  it('decisionEntriesOf reads every form: full, allow-batch, legacy compact, manifest (none)', () => {
    const decisions = batch();
    const { values, allowBatches } = signer.signDecisions(decisions, 'compact', { source: 'audit:3' });
    const headers = { 'warden-record': Buffer.from(ALLOW_BATCH_RECORD) };
    expect(decisionEntriesOf(Buffer.from(allowBatches[0]!.value), headers)?.map((e) => [e.form, e.record.eventId])).toEqual(decisions.filter(isPlainAllow).map((d) => ['compact', d.eventId]));
    expect(decisionEntriesOf(values[4]!, { 'warden-verdict': 'block' })).toMatchObject([{ form: 'full', record: { decisionId: 'd4', verdict: 'block' } }]);
    const legacy = legacySignDecisions(keys.privateKeyPem, decisions, 'compact');
    expect(decisionEntriesOf(legacy.values[0]!)).toMatchObject([{ form: 'compact', record: { decisionId: 'd0' } }]);
    expect(decisionEntriesOf(legacy.manifests[0]!, { 'warden-record': 'batch-manifest' })).toEqual([]);
    expect(decisionEntriesOf(legacy.manifests[0]!)).toEqual([]);
    expect(decisionEntriesOf('not json')).toBeNull();
    expect(decisionEntriesOf('{"hello":1}')).toBeNull();
    expect(decisionEntriesOf(null)).toBeNull();
  });

  it('costs one record per batch instead of one per allow', () => {
    const decisions = batch(1000);
    const { values, allowBatches } = signer.signDecisions(decisions, 'compact', { source: 'audit:0' });
    const legacy = legacySignDecisions(keys.privateKeyPem, decisions, 'compact');
    const records = values.filter((v) => v !== null).length + allowBatches.length;
    const bytes = (texts: ReadonlyArray<string | null>): number => texts.reduce((n, t) => n + (t === null ? 0 : Buffer.byteLength(t)), 0);
    expect(records).toBe(201);
    // The allows alone: one allow-batch record against a compact record each plus the manifests.
    const legacyAllows = legacy.values.filter((_, i) => isPlainAllow(decisions[i]!));
    expect(bytes(allowBatches.map((b) => b.value))).toBeLessThan((bytes(legacyAllows) + bytes(legacy.manifests)) / 3);
  });
});
