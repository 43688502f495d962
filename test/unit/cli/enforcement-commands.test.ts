import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { captureOutput as capture } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
const config = join(dir, 'warden.yaml');
writeFileSync(config, `signing:\n  privateKeyFile: ${JSON.stringify(join(dir, 'missing.key'))}\n  publicKeyFile: ${JSON.stringify(join(dir, 'missing.pub'))}\n`);

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('enforcement commands', () => {
  it('are listed in --help', async () => {
    const io = capture();
    await main(['node', 'warden', '--help']);
    for (const name of ['gateway', 'block', 'unblock', 'blocks']) expect(io.out()).toContain(name);
  });

  it('block needs a reason', async () => {
    const io = capture();
    expect(await main(['node', 'warden', 'block', 'svc-a', '-c', config])).not.toBe(0);
    expect(io.err()).toMatch(/--reason/);
  });

  it('block refuses an unreadable TTL before touching Kafka', async () => {
    const io = capture();
    expect(await main(['node', 'warden', 'block', 'svc-a', '--reason', 'leak', '--ttl', '1 hour', '-c', config])).toBe(2);
    expect(io.err()).toMatch(/WARDEN_USAGE[\s\S]*cannot read duration "1 hour"/);
  });

  it('block without a signing key says how to make one', async () => {
    const io = capture();
    expect(await main(['node', 'warden', 'block', 'svc-a', '--reason', 'leak', '-c', config])).toBe(1);
    expect(io.err()).toMatch(/WARDEN_KEY_INVALID[\s\S]*warden keys generate/);
  });

  it('gateway rejects an invalid flag value with the field named', async () => {
    const io = capture();
    expect(await main(['node', 'warden', 'gateway', '--fail-mode', 'sometimes', '-c', config])).toBe(2);
    expect(io.err()).toMatch(/failMode/);
  });
});
