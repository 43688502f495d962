/**
 * `warden verify` over a stream of batch-signed decisions: a decision deleted from, duplicated in
 * or moved within its signed batch is reported with its batch, leaf index and event id, and the
 * command exits non-zero; batches interleaved with each other (as Kafka interleaves partitions)
 * are fine when each is complete. Each decision stays verifiable on its own (docs/operations.md,
 * "Signatures").
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { BatchAudit } from '../../src/decisions/batch-audit.js';
import type { BatchManifest } from '../../src/decisions/manifest.js';
import { createSigner, createVerifier, generateKeyPair } from '../../src/decisions/signing.js';
import { verifyCli } from '../helpers/verify-cli.js';

const { keys, publicKey, dir, run: verify } = verifyCli('warden-verify-');

const IDENTITIES = ['svc-a', 'svc-b', 'svc-c', 'svc-d'];

/** 148 decisions signed as `warden run` signs them: batches of 64, 64 and 20. */
function signedLines(count = 148): string[] {
  const decisions = Array.from({ length: count }, (_, i) => ({
    decisionId: `d-${i}`,
    eventId: `evt-${i}`,
    identity: IDENTITIES[i % IDENTITIES.length] as string,
    action: 's3:GetObject',
    verdict: 'allow',
    score: i % 7,
  }));
  return createSigner(keys.privateKeyPem, { batchSize: 64 }).signAll(decisions);
}

function batchIdOf(line: string): string {
  const manifest = createVerifier([keys.publicKeyPem]).inspect(JSON.parse(line) as object).batch?.manifest;
  return manifest?.batchId ?? '';
}

describe('warden verify: batch completeness and order', () => {
  it('accepts an intact stream and counts its batches', async () => {
    const { code, out } = await verify(signedLines());
    expect(out).toContain('148 valid, 0 invalid (0 unsigned, 0 unknown key, 0 tampered, 0 not JSON); 3 batches, 3 complete, 0 with missing decisions, 0 duplicated decisions, 0 reordered');
    expect(code).toBe(0);
  });

  it('reports a deleted decision: batch, index and the event ids around it', async () => {
    const lines = signedLines();
    const batch = batchIdOf(lines[0]!);
    lines.splice(17, 1);
    const { code, out } = await verify(lines);
    expect(code).toBe(1);
    expect(out).toContain(`MISSING batch ${batch} (64 leaves, 63 seen): index 17 (eventId not in the manifest; after index 16 = eventId evt-16 at line 17; before index 18 = eventId evt-18 at line 18)`);
    expect(out).toContain('1 with missing decisions');
  });

  it('names the event id of a deleted first decision from the signed manifest', async () => {
    const lines = signedLines();
    const batch = batchIdOf(lines[64]!);
    lines.splice(64, 1);
    const { code, out } = await verify(lines);
    expect(code).toBe(1);
    expect(out).toContain(`MISSING batch ${batch} (64 leaves, 63 seen): index 0 (eventId evt-64; before index 1 = eventId evt-65`);
  });

  it('reports a duplicated decision with both lines', async () => {
    const lines = signedLines();
    const batch = batchIdOf(lines[0]!);
    lines.splice(40, 0, lines[5]!);
    const { code, out } = await verify(lines);
    expect(code).toBe(1);
    expect(out).toContain(`DUPLICATE batch ${batch} (64 leaves): index 5 seen 2 times (eventId evt-5 at line 6; eventId evt-5 at line 41)`);
    expect(out).toContain('1 duplicated decisions, 0 reordered');
  });

  it('reports two swapped decisions of one identity as reordered, in the lane of that identity', async () => {
    const lines = signedLines();
    const batch = batchIdOf(lines[0]!);
    // Indexes 3 and 11 are both svc-d: their order is kept by Kafka, whatever the partitioning.
    [lines[3], lines[11]] = [lines[11]!, lines[3]!];
    const { code, out } = await verify(lines);
    expect(code).toBe(1);
    const reported = out.split('\n').filter((l) => l.includes('REORDERED'));
    // The fewest leaves that explain the order seen (11, 7, 3, 15, … in svc-d's lane) are named.
    expect(reported.length).toBeGreaterThan(0);
    for (const line of reported) {
      expect(line).toContain(`REORDERED batch ${batch} (64 leaves): index`);
      expect(line).toMatch(/index (3|7|11) out of order in identity svc-d \(eventId evt-(3|7|11) at line (4|8|12)\)/);
    }
  });

  it('with --strict-order also reports decisions of different identities swapped', async () => {
    const lines = signedLines();
    // Adjacent decisions of svc-c and svc-d: each identity's own order is unchanged.
    [lines[2], lines[3]] = [lines[3]!, lines[2]!];
    expect((await verify(lines)).code).toBe(0);
    const strict = await verify(lines, '--strict-order');
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/REORDERED batch [0-9a-f]{16} \(64 leaves\): index (2|3) out of order in the input/);
  });

  it('reports a batch whose tail was dropped, naming its last event id', async () => {
    const lines = signedLines();
    const batch = batchIdOf(lines[64]!);
    lines.splice(124, 4); // indexes 60..63 of the second batch
    const { code, out } = await verify(lines);
    expect(code).toBe(1);
    for (const i of [60, 61, 62]) expect(out).toContain(`MISSING batch ${batch} (64 leaves, 60 seen): index ${i} (eventId not in the manifest; after index 59 = eventId evt-123 at line 124)`);
    expect(out).toContain(`MISSING batch ${batch} (64 leaves, 60 seen): index 63 (eventId evt-127; after index 59 = eventId evt-123 at line 124`);
  });

  it('accepts two complete batches interleaved with each other', async () => {
    const lines = signedLines(128);
    const interleaved = lines.slice(0, 64).flatMap((line, i) => [line, lines[64 + i]!]);
    const { code, out } = await verify(interleaved);
    expect(out).toContain('128 valid, 0 invalid (0 unsigned, 0 unknown key, 0 tampered, 0 not JSON); 2 batches, 2 complete');
    expect(code).toBe(0);
  });

  it('reads a partition-tagged topic dump: partitions may interleave, order holds within one', async () => {
    const lines = signedLines();
    const partitionOf = (line: string): number => IDENTITIES.indexOf((JSON.parse(line) as { identity: string }).identity) % 3;
    const dump = [0, 1, 2].flatMap((p) => lines.filter((l) => partitionOf(l) === p).map((l) => `Partition:${p}\t${l}`));
    expect((await verify(dump)).code).toBe(0);
    // svc-a and svc-d share partition 0: swapping their decisions within it is a reordering.
    const i = dump.findIndex((l) => l.includes('"eventId":"evt-0"'));
    const j = dump.findIndex((l) => l.includes('"eventId":"evt-3"'));
    [dump[i], dump[j]] = [dump[j]!, dump[i]!];
    const { code, out } = await verify(dump);
    expect(code).toBe(1);
    expect(out).toMatch(/REORDERED batch [0-9a-f]{16} \(64 leaves\): index (0|3) out of order in partition 0/);
  });

  it('still reports a tampered field as a bad signature', async () => {
    const lines = signedLines();
    lines[7] = lines[7]!.replace('"verdict":"allow"', '"verdict":"block"');
    const { code, out } = await verify(lines);
    expect(code).toBe(1);
    expect(out).toContain(`:8: TAMPERED (BAD SIGNATURE) d-7 (signed with trusted key ${keys.keyId}, does not verify`);
    expect(out).toContain('147 valid, 1 invalid (0 unsigned, 0 unknown key, 1 tampered, 0 not JSON)');
    expect(out).not.toContain('UNSIGNED');
    expect(out).not.toContain('UNKNOWN KEY');
  });

  it('leaves each decision verifiable on its own (an enforcer checks one at a time)', () => {
    const lines = signedLines();
    const verifier = createVerifier([keys.publicKeyPem]);
    expect(verifier.verify(JSON.parse(lines[100]!) as object)).toBe(true);
  });
});

describe('warden verify: unsigned, unknown key and tampered told apart', () => {
  const unsigned = (count: number): string[] => Array.from({ length: count }, (_, i) => JSON.stringify({ decisionId: `u-${i}`, eventId: `e-${i}`, identity: 'svc-a', verdict: 'allow' }));

  it('calls every line of an unsigned file UNSIGNED, not a bad signature, and says how to sign', async () => {
    const { code, out } = await verify(unsigned(3));
    expect(code).toBe(1);
    for (const i of [0, 1, 2]) expect(out).toContain(`:${i + 1}: UNSIGNED u-${i} (no sig field)`);
    expect(out).not.toContain('BAD SIGNATURE');
    expect(out).toContain('0 valid, 3 invalid (3 unsigned, 0 unknown key, 0 tampered, 0 not JSON)');
    expect(out).toContain('warden replay --sign');
  });

  it('names the key id of records signed by a key that is not trusted', async () => {
    const stranger = generateKeyPair();
    const lines = createSigner(stranger.privateKeyPem, { batchSize: 64 }).signAll([{ decisionId: 'x-0', eventId: 'e-0' }, { decisionId: 'x-1', eventId: 'e-1' }]);
    const { code, out } = await verify(lines);
    expect(code).toBe(1);
    expect(out).toContain(`:1: UNKNOWN KEY ${stranger.keyId} x-0`);
    expect(out).toContain('0 valid, 2 invalid (0 unsigned, 2 unknown key, 0 tampered, 0 not JSON)');
    expect(out).toContain(`signed with keys not trusted here: ${stranger.keyId} (2); trusted: ${keys.keyId}`);
    expect(out).not.toContain('BAD SIGNATURE');
  });

  it('counts each kind in one mixed file, and a sig that is no signature as tampered', async () => {
    const stranger = generateKeyPair();
    const lines = signedLines(10);
    lines[2] = lines[2]!.replace('"score":2', '"score":99');
    lines.push(...unsigned(2), createSigner(stranger.privateKeyPem).signAll([{ decisionId: 'x' }])[0]!, '{"decisionId":"m","sig":"rsa:abc"}', 'not json', '[1]');
    const { code, out } = await verify(lines);
    expect(code).toBe(1);
    expect(out).toContain('9 valid, 7 invalid (2 unsigned, 1 unknown key, 2 tampered, 2 not JSON)');
    expect(out).toContain(':14: TAMPERED (BAD SIGNATURE) m (the sig field is not a Warden signature)');
    expect(out).toContain(':16: not a JSON object');
  });

  it('takes --public-key before the file, repeated for a key rotation', async () => {
    const next = generateKeyPair();
    const nextKey = join(dir, 'next.pub');
    writeFileSync(nextKey, next.publicKeyPem);
    const file = join(dir, 'rotation.jsonl');
    const lines = [...signedLines(3), ...createSigner(next.privateKeyPem, { batchSize: 64 }).signAll([{ decisionId: 'n-0', eventId: 'n-0' }])];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    expect(await main(['node', 'warden', 'verify', '--public-key', publicKey, '--public-key', nextKey, file])).toBe(0);
    expect(out.join('\n')).toContain('4 valid, 0 invalid');
    out.length = 0;
    // With one of the two keys only, the other key's record is an unknown key.
    expect(await main(['node', 'warden', 'verify', '--public-key', publicKey, file])).toBe(1);
    expect(out.join('\n')).toContain(`UNKNOWN KEY ${next.keyId} n-0`);
  });

  it('says WARDEN_INPUT_NOT_FOUND for a missing file, with no error object or stack', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.map(String).join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.map(String).join(' ')));
    const missing = join(dir, 'missing.jsonl');
    expect(await main(['node', 'warden', 'verify', '--public-key', publicKey, missing])).toBe(1);
    expect(out.join('\n')).toBe(`WARDEN_INPUT_NOT_FOUND cannot read ${missing}: no such file`);
    out.length = 0;
    expect(await main(['node', 'warden', 'verify', '--public-key', publicKey, dir])).toBe(1);
    expect(out.join('\n')).toContain('WARDEN_INPUT_NOT_FOUND');
    expect(out.join('\n')).not.toMatch(/\n\s+at /);
  });
});

describe('BatchAudit', () => {
  const manifest: BatchManifest = { batchId: '0123456789abcdef', keyId: 'k', size: 9, firstEventId: 'e0', lastEventId: 'e8', version: 2 };
  const feed = (order: number[]): ReturnType<BatchAudit['finish']> => {
    const audit = new BatchAudit();
    order.forEach((index, i) => audit.observe({ manifest, index }, { line: i + 1, eventId: `e${index}`, lane: 'the input' }));
    return audit.finish();
  };

  it('reports only the moved leaves of a swap, not everything between them', () => {
    const { findings } = feed([0, 1, 7, 3, 4, 5, 6, 2, 8]);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.kind === 'reordered' && f.moved.map((m) => m.index).sort()).toEqual([2, 7]);
  });

  it('tells a duplicate from a reordering', () => {
    const { findings, complete } = feed([0, 1, 2, 3, 4, 5, 6, 7, 8, 4]);
    expect(findings.map((f) => f.kind)).toEqual(['duplicate']);
    expect(complete).toBe(0);
  });

  it('lists every missing leaf of a batch of which only the head was seen', () => {
    const { findings } = feed([0, 1, 2]);
    const [f] = findings;
    expect(f?.kind === 'missing' && f.indexes.map((m) => [m.index, m.eventId])).toEqual([[3, null], [4, null], [5, null], [6, null], [7, null], [8, 'e8']]);
  });
});
