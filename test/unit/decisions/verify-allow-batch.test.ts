/**
 * `warden verify` over streams as `warden run` now publishes them (decisions.allow compact and
 * none): full records Merkle-batch signed among themselves and one allow-batch record per batch.
 */
import { describe, expect, it } from 'vitest';
import { createSigner } from '../../../src/decisions/signing.js';
import { legacySignDecisions } from './legacy-compact.js';
import { streamDecisions } from '../../helpers/decision-fixture.js';
import { verifyCli } from '../../helpers/verify-cli.js';

const { keys, run: verify } = verifyCli('warden-verify-allow-batch-');

/** As `warden run` publishes them: per processed batch of 100, its full records, then its allow-batch record. */
function stream(allow: 'compact' | 'none', count = 300): string[] {
  const signer = createSigner(keys.privateKeyPem, { batchSize: 64 });
  const lines: string[] = [];
  for (let i = 0; i < count; i += 100) {
    const { values, allowBatches } = signer.signDecisions(streamDecisions(Math.min(100, count - i), i), allow, { source: `audit:${i / 100}` });
    for (const v of values) if (v !== null) lines.push(v);
    for (const b of allowBatches) lines.push(b.value);
  }
  return lines;
}

describe('warden verify: allow-batch records', () => {
  it('accepts a stream of full records and allow-batch records, and accounts for every decision', async () => {
    const lines = stream('compact');
    expect(lines).toHaveLength(33);
    const ok = await verify(lines);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('33 valid, 0 invalid');
    expect(ok.out).toContain('3 batches, 3 complete');
    expect(ok.out).toContain('0 full records missing of 30 listed by allow-batch records');
    expect(ok.out).toContain('3 allow-batch records account for 300 decisions: 270 allows listed, 30 full records');
  });

  it('reports an altered entry, an altered count and a full record deleted from the topic', async () => {
    const lines = stream('compact');
    const at = lines.findIndex((l) => l.includes('"type":"warden.allow-batch"'));
    const altered = await verify(lines.map((l, i) => (i === at ? l.replace('["evt-5","d-5","svc-1",2]', '["evt-5","d-5","svc-1",0]') : l)));
    expect(altered.code).toBe(1);
    expect(altered.out).toMatch(new RegExp(`:${at + 1}: TAMPERED \\(BAD SIGNATURE\\)`));
    expect(altered.out).toContain('1 tampered');
    const recounted = await verify(lines.map((l, i) => (i === at ? l.replace('"decided":100', '"decided":99') : l)));
    expect(recounted.code).toBe(1);
    // A full record deleted: its Merkle batch shows it, and so does the allow-batch record's list.
    const deleted = await verify(lines.filter((l) => !l.includes('"decisionId":"d-13"')));
    expect(deleted.code).toBe(1);
    expect(deleted.out).toMatch(/MISSING full record d-13 \(listed by allow-batch audit:0 evt-0\.\.evt-99 at line \d+\)/);
  });

  it('none: allows not published are accounted for, not missing', async () => {
    const ok = await verify(stream('none'));
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('3 allow-batch records account for 300 decisions: 0 allows listed, 30 full records, 270 allows not published');
  });

  it('reads a topic holding both forms: records written before allow-batches and after', async () => {
    const legacy = legacySignDecisions(keys.privateKeyPem, streamDecisions(64, 1000), 'compact');
    const lines = [...legacy.values.filter((v) => v !== null), ...legacy.manifests, ...stream('compact')] as string[];
    const ok = await verify(lines);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('1 batch manifests account for 64 decisions');
    expect(ok.out).toContain('3 allow-batch records account for 300 decisions');
  });
});
