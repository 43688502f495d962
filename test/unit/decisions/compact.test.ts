import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { BatchAudit } from '../../../src/decisions/batch-audit.js';
import { compactDecision, isManifestRecord } from '../../../src/decisions/compact.js';
import { decisionRecordOf } from '../../../src/decisions/topic-records.js';
import { legacySignDecisions } from './legacy-compact.js';
import type { ManifestRecord } from '../../../src/decisions/compact.js';
import type { Decision, Verdict } from '../../../src/decisions/decision.js';
import { createSigner, createVerifier, generateKeyPair } from '../../../src/decisions/signing.js';
import { sampleDecision } from '../../helpers/decision-fixture.js';

const keys = generateKeyPair();

function decision(i: number, verdict: Verdict = 'allow', extra: Partial<Decision> = {}): Decision {
  return sampleDecision(i, verdict, verdict === 'allow' ? { score: 3, ...extra } : extra);
}

const batch = (): Decision[] => Array.from({ length: 10 }, (_, i) => decision(i, i === 4 ? 'block' : i === 7 ? 'alert' : 'allow'));
const parse = (text: string): object => JSON.parse(text) as object;

describe('decision output forms written before allow-batch records (read and verified)', () => {
  it('compact: plain allows carry event id, decision id, identity, verdict, risk, policy and model versions; alerts and blocks stay full', () => {
    const { values, manifests } = legacySignDecisions(keys.privateKeyPem, batch(), 'compact');
    expect(manifests).toHaveLength(1);
    const records = values.map((v) => parse(v!));
    expect(Object.keys(records[0]!).sort()).toEqual(['decisionId', 'eventId', 'identity', 'model', 'policy', 'score', 'sig', 'verdict']);
    expect(records[0]).toMatchObject({ decisionId: 'd0', eventId: 'e0', identity: 'svc-0', verdict: 'allow', score: 3, policy: 'p1', model: null });
    expect(decisionRecordOf(records[4])?.form).toBe('full');
    expect(decisionRecordOf(records[7])?.form).toBe('full');
    expect(decisionRecordOf(records[0])?.form).toBe('compact');
    expect(decisionRecordOf(parse(manifests[0]!))?.form).toBe('manifest');
    // Much smaller than the full record of the same decision.
    const full = createSigner(keys.privateKeyPem, { batchSize: 64 }).signDecisions(batch(), 'full').values;
    expect(Buffer.byteLength(values[0]!)).toBeLessThan(Buffer.byteLength(full[0]!) / 2);
  });

  it('compact records verify against their manifest only; full ones on their own; tampering shows', () => {
    const { values, manifests } = legacySignDecisions(keys.privateKeyPem, batch(), 'compact');
    const verifier = createVerifier([keys.publicKeyPem]);
    const records = values.map((v) => parse(v!));
    // Before the manifest: a full record verifies alone, a compact one cannot be checked yet.
    expect(verifier.inspect(records[4]!)).toMatchObject({ valid: true, status: 'valid' });
    expect(verifier.inspect(records[0]!)).toMatchObject({ valid: false, status: 'no-manifest', keyId: keys.keyId });
    const manifest = parse(manifests[0]!) as ManifestRecord;
    expect(isManifestRecord(manifest)).toBe(true);
    expect(manifest).toMatchObject({ size: 10, decided: 10, omitted: 0, first: 'e0', last: 'e9' });
    expect(verifier.inspect(manifest)).toMatchObject({ valid: true, manifest: { size: 10, decided: 10, omitted: 0 } });
    for (const r of records) expect(verifier.inspect(r).status).toBe('valid');
    expect(verifier.inspect(records[3]!).batch).toMatchObject({ index: 3, manifest: { size: 10, firstEventId: 'e0', lastEventId: 'e9' } });
    // Both forms name the same batch, so one audit sees it complete.
    const audit = new BatchAudit();
    records.forEach((r, line) => audit.observe(verifier.inspect(r).batch!, { line, eventId: (r as { eventId: string }).eventId, lane: 'all' }));
    expect(audit.finish()).toMatchObject({ batches: 1, complete: 1, findings: [] });

    expect(verifier.inspect({ ...records[0]!, score: 0 }).status).toBe('bad-signature');
    expect(verifier.inspect({ ...records[0]!, verdict: 'block' }).status).toBe('bad-signature');
    expect(verifier.inspect({ ...manifest, omitted: 1, decided: 11 }).status).toBe('bad-signature');
    const swapped = manifest.leaves.slice(43, 86) + manifest.leaves.slice(0, 43) + manifest.leaves.slice(86);
    expect(createVerifier([keys.publicKeyPem]).inspect({ ...manifest, leaves: swapped }).status).toBe('bad-signature');
    const stranger = generateKeyPair();
    expect(createVerifier([stranger.publicKeyPem]).inspect(records[0]!)).toMatchObject({ status: 'unknown-key', keyId: keys.keyId });
  });

  it('none: plain allows are not published, the manifest counts them, alerts and blocks verify and complete the batch', () => {
    const { values, manifests } = legacySignDecisions(keys.privateKeyPem, batch(), 'none', 4);
    expect(values.map((v) => v !== null)).toEqual(batch().map((d) => d.verdict !== 'allow'));
    const ms = manifests.map((m) => parse(m) as ManifestRecord);
    expect(ms.map((m) => [m.decided, m.size, m.omitted])).toEqual([
      [4, 0, 4],
      [4, 2, 2],
      [2, 0, 2],
    ]);
    expect(ms.reduce((n, m) => n + m.decided, 0)).toBe(10);
    const verifier = createVerifier([keys.publicKeyPem]);
    expect(ms.every((m) => verifier.verify(m))).toBe(true);
    const audit = new BatchAudit();
    for (const v of values) if (v !== null) audit.observe(verifier.inspect(parse(v)).batch!, { line: 0, eventId: '', lane: 'all' });
    expect(audit.finish()).toMatchObject({ batches: 1, complete: 1 });
  });

  it('shadow allows that would have been more, degraded allows, granted ones and Sigma matches are published in full', () => {
    const signer = createSigner(keys.privateKeyPem, { batchSize: 64 });
    const shadow = decision(1, 'allow', { mode: 'shadow', wouldBe: 'block' });
    const degraded = decision(2, 'allow', { degraded: true, reasons: [{ code: 'STORE_UNAVAILABLE', detail: 'x', weight: 0 }] });
    const granted = decision(6, 'allow', { reasons: [{ code: 'APPROVED', detail: 'approval apr-1 by bob', weight: 0 }] });
    const sigma = decision(7, 'allow', { reasons: [{ code: 'SIGMA:my-low-rule', detail: 'low rule', weight: 0 }] });
    const { values } = signer.signDecisions([shadow, degraded, granted, sigma, decision(3)], 'none');
    expect(values.map((v) => (v === null ? null : decisionRecordOf(parse(v))?.form))).toEqual(['full', 'full', 'full', 'full', null]);
    expect(compactDecision(decision(5))).toEqual({ decisionId: 'd5', eventId: 'e5', identity: 'svc-2', model: null, policy: 'p1', score: 3, verdict: 'allow' });
  });

  it('full: exactly the records signAll gives, no allow-batch records', () => {
    const signer = createSigner(keys.privateKeyPem, { batchSize: 64 });
    const out = signer.signDecisions(batch(), 'full');
    expect(out.allowBatches).toEqual([]);
    expect(out.values).toEqual(signer.signAll(batch()));
  });

  it('config: decisions.allow defaults to compact and refuses anything but compact, full and none', () => {
    expect(parseConfig('{}', 't').decisions.allow).toBe('compact');
    expect(parseConfig('decisions: { allow: none }', 't').decisions.allow).toBe('none');
    expect(() => parseConfig('decisions: { allow: sometimes }', 't')).toThrow(expect.objectContaining({ code: 'WARDEN_CONFIG_INVALID' }));
  });
});
