/**
 * `warden verify` over streams as `warden run` now publishes them (decisions.allow compact and
 * none): full records Merkle-batch signed among themselves and one allow-batch record per batch.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { Decision } from '../../../src/decisions/decision.js';
import { createSigner, generateKeyPair } from '../../../src/decisions/signing.js';
import { legacySignDecisions } from './legacy-compact.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-verify-allow-batch-'));
const keys = generateKeyPair();
const publicKey = join(dir, 'warden.pub');
writeFileSync(publicKey, keys.publicKeyPem);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

function decisions(count: number, from = 0): Decision[] {
  return Array.from({ length: count }, (_, k): Decision => {
    const i = from + k;
    const flagged = i % 10 === 3;
    return {
      action: 's3:GetObject',
      decidedAt: '2026-11-20T10:00:00.000Z',
      decisionId: `d-${i}`,
      eventId: `evt-${i}`,
      eventTime: '2026-11-20T10:00:00.000Z',
      identity: `svc-${i % 4}`,
      mode: 'enforce',
      model: null,
      owner: null,
      policy: { id: null, version: 'p1' },
      reasons: flagged ? [{ code: 'NEW_ACTION', detail: 'first use', weight: 60 }] : [],
      resource: null,
      score: flagged ? 60 : 2,
      verdict: flagged ? 'alert' : 'allow',
    };
  });
}

/** As `warden run` publishes them: per processed batch of 100, its full records, then its allow-batch record. */
function stream(allow: 'compact' | 'none', count = 300): string[] {
  const signer = createSigner(keys.privateKeyPem, { batchSize: 64 });
  const lines: string[] = [];
  for (let i = 0; i < count; i += 100) {
    const { values, allowBatches } = signer.signDecisions(decisions(Math.min(100, count - i), i), allow, { source: `audit:${i / 100}` });
    for (const v of values) if (v !== null) lines.push(v);
    for (const b of allowBatches) lines.push(b.value);
  }
  return lines;
}

async function verify(lines: readonly string[]): Promise<{ code: number; out: string }> {
  const file = join(dir, `decisions-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  await main(['node', 'warden', 'verify', file, '--public-key', publicKey]);
  return { code: Number(process.exitCode ?? 0), out: out.join('\n') };
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
    const legacy = legacySignDecisions(keys.privateKeyPem, decisions(64, 1000), 'compact');
    const lines = [...legacy.values.filter((v) => v !== null), ...legacy.manifests, ...stream('compact')] as string[];
    const ok = await verify(lines);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('1 batch manifests account for 64 decisions');
    expect(ok.out).toContain('3 allow-batch records account for 300 decisions');
  });
});
