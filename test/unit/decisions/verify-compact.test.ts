/**
 * `warden verify` over streams written with `decisions.allow: compact` and `none` before
 * allow-batch records (compact records and batch manifests, still on topics): compact records
 * verify against their batch's manifest wherever it sits in the input, a compact record changed
 * or without its manifest is reported, allows not published are accounted for and not missing.
 */
import { describe, expect, it } from 'vitest';
import { legacySignDecisions } from './legacy-compact.js';
import { streamDecisions } from '../../helpers/decision-fixture.js';
import { verifyCli } from '../../helpers/verify-cli.js';

const { keys, run: verify } = verifyCli('warden-verify-compact-');

/** As `warden run` published them: each batch's records, then its manifest. */
function stream(allow: 'compact' | 'none', count = 148): string[] {
  const lines: string[] = [];
  const all = streamDecisions(count);
  for (let i = 0; i < all.length; i += 64) {
    const { values, manifests } = legacySignDecisions(keys.privateKeyPem, all.slice(i, i + 64), allow);
    for (const v of values) if (v !== null) lines.push(v);
    lines.push(...manifests);
  }
  return lines;
}

describe('warden verify: compact and omitted allows written before allow-batch records', () => {
  it('accepts a compact stream, manifests before or after their records', async () => {
    const lines = stream('compact');
    const ok = await verify(lines);
    expect(ok.code).toBe(0);
    // 148 decisions + 3 manifests, all valid; the manifests account for every decision.
    expect(ok.out).toContain('151 valid, 0 invalid');
    expect(ok.out).toContain('3 batches, 3 complete, 0 with missing decisions');
    expect(ok.out).toContain('3 batch manifests account for 148 decisions');
    const manifestsFirst = [...lines.filter((l) => l.includes('"type":"warden.batch-manifest"')), ...lines.filter((l) => !l.includes('"type":"warden.batch-manifest"'))];
    expect((await verify(manifestsFirst)).out).toContain('151 valid, 0 invalid');
  });

  it('reports a changed compact record, one without its manifest, and a deleted one', async () => {
    const lines = stream('compact');
    const changed = lines.map((l, i) => (i === 5 ? l.replace('"score":2', '"score":0') : l));
    const tampered = await verify(changed);
    expect(tampered.code).toBe(1);
    expect(tampered.out).toMatch(/:6: TAMPERED \(BAD SIGNATURE\) d-5/);
    const noManifest = await verify(lines.slice(0, 64));
    expect(noManifest.code).toBe(1);
    expect(noManifest.out).toMatch(/NO MANIFEST d-0/);
    expect(noManifest.out).toContain('57 without their manifest');
    const deleted = await verify(lines.filter((_, i) => i !== 10));
    expect(deleted.code).toBe(1);
    expect(deleted.out).toMatch(/MISSING batch \w+ \(64 leaves, 63 seen\): index 10/);
  });

  it('accounts for allows not published (none) without reporting them missing', async () => {
    const lines = stream('none');
    const ok = await verify(lines);
    expect(ok.code).toBe(0);
    expect(lines.filter((l) => l.includes('"verdict":"alert"'))).toHaveLength(15);
    expect(ok.out).toContain('3 batch manifests account for 148 decisions, 133 of them allows not published');
    // Deleting a published alert is still seen: the manifest lists its leaf.
    const deleted = await verify(lines.filter((l) => !l.includes('"decisionId":"d-13"')));
    expect(deleted.code).toBe(1);
    expect(deleted.out).toMatch(/MISSING batch/);
  });
});
