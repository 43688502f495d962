/**
 * `warden replay --sign` signs its decisions as `warden run` does (Merkle batches of
 * signing.batchSize with the configured key), so that `warden verify` accepts the output; without
 * `--sign`, verify calls every line UNSIGNED, not a bad signature.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { createVerifier, generateKeyPair } from '../../../src/decisions/signing.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-replay-sign-'));
const sim = join(dir, 'sim');
const keys = generateKeyPair();
const privateKey = join(dir, 'warden.key');
const publicKey = join(dir, 'warden.pub');
const config = join(dir, 'warden.yaml');
const BATCH = 16;
writeFileSync(privateKey, keys.privateKeyPem);
writeFileSync(publicKey, keys.publicKeyPem);
writeFileSync(config, `signing:\n  privateKeyFile: ${JSON.stringify(privateKey)}\n  publicKeyFile: ${JSON.stringify(publicKey)}\n  batchSize: ${BATCH}\n`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function run(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...xs: unknown[]) => void lines.push(xs.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...xs: unknown[]) => void lines.push(xs.join(' ')));
  try {
    const code = await main(['node', 'warden', ...args]);
    return { code, out: lines.join('\n') };
  } finally {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  }
}

const replay = (out: string, ...extra: string[]): Promise<{ code: number; out: string }> =>
  run('replay', '--config', config, '--input', join(sim, 'events.jsonl'), '--identities', join(sim, 'identities.yaml'), '--out', out, '--no-progress', ...extra);

describe('warden replay --sign → warden verify', () => {
  beforeAll(async () => {
    expect((await run('simulate', '--scenario', 'classic', '--seed', '3', '--days', '7', '--fleet', '4', '--out', sim)).code).toBe(0);
  });

  it('signs in Merkle batches of signing.batchSize across replay chunks; verify accepts every line', async () => {
    const signed = join(dir, 'signed.jsonl');
    const plain = join(dir, 'plain.jsonl');
    // A replay chunk (100 events) that is no multiple of the signing batch: batches still span chunks.
    expect((await replay(signed, '--sign', '--batch-size', '100')).code).toBe(0);
    expect((await replay(plain)).code).toBe(0);
    const lines = readFileSync(signed, 'utf8').trim().split('\n');
    const plainLines = readFileSync(plain, 'utf8').trim().split('\n');
    expect(lines.length).toBe(plainLines.length);
    expect(lines.length).toBeGreaterThan(3 * BATCH);
    // The same decisions, in the same order, each with a signature.
    const strip = (line: string): unknown => {
      const { sig: _sig, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return rest;
    };
    expect(lines.map(strip)).toEqual(plainLines.map((l) => JSON.parse(l) as unknown));
    const verifier = createVerifier([keys.publicKeyPem]);
    const sizes = lines.map((l) => verifier.inspect(JSON.parse(l) as object).batch?.manifest.size);
    expect(sizes.slice(0, lines.length - (lines.length % BATCH))).toEqual(Array(lines.length - (lines.length % BATCH)).fill(BATCH));
    const batches = Math.ceil(lines.length / BATCH);
    const { code, out } = await run('verify', '--config', config, signed);
    expect(out).toContain(`${lines.length} valid, 0 invalid (0 unsigned, 0 unknown key, 0 tampered, 0 not JSON); ${batches} batches, ${batches} complete`);
    expect(code).toBe(0);
  });

  it('a tampered line of a signed replay is TAMPERED; an unsigned replay is UNSIGNED on every line', async () => {
    const signed = join(dir, 'signed2.jsonl');
    expect((await replay(signed, '--sign')).code).toBe(0);
    const lines = readFileSync(signed, 'utf8').trim().split('\n');
    const target = JSON.parse(lines[5]!) as { decisionId: string; score: number };
    lines[5] = lines[5]!.replace(/"score":\d+/, `"score":${target.score + 1}`);
    const tampered = join(dir, 'tampered.jsonl');
    writeFileSync(tampered, `${lines.join('\n')}\n`);
    const bad = await run('verify', '--config', config, tampered);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`:6: TAMPERED (BAD SIGNATURE) ${target.decisionId}`);
    expect(bad.out).toContain(`${lines.length - 1} valid, 1 invalid (0 unsigned, 0 unknown key, 1 tampered, 0 not JSON)`);

    const plain = join(dir, 'plain2.jsonl');
    expect((await replay(plain)).code).toBe(0);
    const count = readFileSync(plain, 'utf8').trim().split('\n').length;
    const unsigned = await run('verify', '--config', config, plain);
    expect(unsigned.code).toBe(1);
    expect(unsigned.out).not.toContain('BAD SIGNATURE');
    expect(unsigned.out.split('\n').filter((l) => l.includes(': UNSIGNED '))).toHaveLength(count);
    expect(unsigned.out).toContain(`0 valid, ${count} invalid (${count} unsigned, 0 unknown key, 0 tampered, 0 not JSON)`);
  });

  it('refuses --sign without a readable private key before writing anything', async () => {
    const out = join(dir, 'nokey.jsonl');
    const { code, out: text } = await replay(out, '--sign', '--private-key', join(dir, 'missing.key'));
    expect(code).toBe(1);
    expect(text).toContain('WARDEN_KEY_INVALID');
    expect(() => readFileSync(out)).toThrow();
  });
});
