/**
 * `warden verify` as the verify tests run it: a key pair whose public key sits in a temporary
 * folder, and `run(lines, ...flags)`, which writes the lines to a file in that folder, runs the
 * command on it with that key and returns its exit code and what it printed (stdout and stderr).
 * The folder goes after the file's tests; mocks and the exit code are reset after each test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { generateKeyPair } from '../../src/decisions/signing.js';

export interface VerifyCli {
  dir: string;
  keys: ReturnType<typeof generateKeyPair>;
  /** The public key's file. */
  publicKey: string;
  run(lines: readonly string[], ...flags: string[]): Promise<{ code: number; out: string }>;
}

export function verifyCli(prefix: string): VerifyCli {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const keys = generateKeyPair();
  const publicKey = join(dir, 'warden.pub');
  writeFileSync(publicKey, keys.publicKeyPem);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
  async function run(lines: readonly string[], ...flags: string[]): Promise<{ code: number; out: string }> {
    const file = join(dir, `decisions-${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    await main(['node', 'warden', 'verify', file, '--public-key', publicKey, ...flags]);
    return { code: Number(process.exitCode ?? 0), out: out.join('\n') };
  }
  return { dir, keys, publicKey, run };
}
