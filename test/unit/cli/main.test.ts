import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { WARDEN_VERSION } from '../../../src/version.js';

function capture(): { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => out.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => err.push(args.join(' ')));
  return { out: () => out.join(''), err: () => err.join('') };
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('warden CLI', () => {
  it('prints the package version', async () => {
    const io = capture();
    expect(await main(['node', 'warden', '--version'])).toBe(0);
    expect(io.out().trim()).toBe(WARDEN_VERSION);
  });

  it('lists its commands in --help', async () => {
    const io = capture();
    expect(await main(['node', 'warden', '--help'])).toBe(0);
    expect(io.out()).toContain('config');
  });

  it('exits non-zero with the error code and location for an invalid config', async () => {
    const io = capture();
    expect(await main(['node', 'warden', 'config', 'validate', 'test/fixtures/config/invalid-warden.yaml'])).toBe(1);
    expect(io.err()).toContain('WARDEN_CONFIG_INVALID');
    expect(io.err()).toMatch(/invalid-warden\.yaml:\d+:\d+ pipeline\.failMode/);
  });

  it('rejects an unknown command with a usage error', async () => {
    capture();
    expect(await main(['node', 'warden', 'no-such-command'])).not.toBe(0);
  });
});
