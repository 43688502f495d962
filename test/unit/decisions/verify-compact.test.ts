/**
 * `warden verify` over streams written with `decisions.allow: compact` and `none` before
 * allow-batch records (compact records and batch manifests, still on topics): compact records
 * verify against their batch's manifest wherever it sits in the input, a compact record changed
 * or without its manifest is reported, allows not published are accounted for and not missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { Decision } from '../../../src/decisions/decision.js';
import { generateKeyPair } from '../../../src/decisions/signing.js';
import { legacySignDecisions } from './legacy-compact.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-verify-compact-'));
const keys = generateKeyPair();
const publicKey = join(dir, 'warden.pub');
writeFileSync(publicKey, keys.publicKeyPem);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

function decisions(count: number): Decision[] {
  return Array.from({ length: count }, (_, i): Decision => {
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

/** As `warden run` published them: each batch's records, then its manifest. */
function stream(allow: 'compact' | 'none', count = 148): string[] {
  const lines: string[] = [];
  const all = decisions(count);
  for (let i = 0; i < all.length; i += 64) {
    const { values, manifests } = legacySignDecisions(keys.privateKeyPem, all.slice(i, i + 64), allow);
    for (const v of values) if (v !== null) lines.push(v);
    lines.push(...manifests);
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
