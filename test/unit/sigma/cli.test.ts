import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';

let out: string[];
let err: string[];
let dir: string;
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  process.exitCode = undefined;
  dir = mkdtempSync(join(tmpdir(), 'warden-sigma-cli-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => main(['node', 'warden', ...args]);

describe('warden sigma check', () => {
  it('lists loaded and skipped rules with why, and exits 0 when every file parsed', async () => {
    expect(await run('sigma', 'check', 'test/fixtures/sigma/rules', 'test/fixtures/sigma/unsupported')).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^loaded {3}critical {6}6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0a01 {2}Access Key Created For Another IAM User {2}\(test\/fixtures\/sigma\/rules\/aws\/access_key_for_another_user\.yml:1, aws\/cloudtrail\)$/m);
    expect(text).toMatch(/^skipped {2}test\/fixtures\/sigma\/unsupported\/near\.yml:8 6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0e02 {2}Stop Then Delete: "near" relates several events/m);
    expect(text).toMatch(/^19 rules loaded \(aws\/cloudtrail 11, kubernetes\/audit 3, github\/audit 3, gcp\/gcp\.audit 2\), 11 skipped, from 30 files \(version [0-9a-f]{12}\)$/m);
  });

  it('exits 1 naming file, line and column when a file is invalid, and still lists the others', async () => {
    writeFileSync(join(dir, 'ok.yml'), 'title: ok\nid: ok-1\nlevel: low\nlogsource: { product: github, service: audit }\ndetection:\n  sel: { action: repo.destroy }\n  condition: sel\n');
    writeFileSync(join(dir, 'bad.yml'), 'title: bad\nid: bad-1\nlevel: low\nlogsource: { product: github, service: audit }\ndetection:\n  sel: { action: repo.destroy }\n  condition: sel or other\n');
    expect(await run('sigma', 'check', dir)).toBe(1);
    expect(out.join('\n')).toMatch(/loaded {3}low {11}ok-1 {2}ok/);
    expect(err.join('')).toContain(`WARDEN_SIGMA_INVALID ${join(dir, 'bad.yml')}:7:14 detection.condition: "other" is not a search identifier of this rule's detection`);
  });

  it('--json gives loaded, skipped and invalid for tools', async () => {
    expect(await run('sigma', 'check', '--json', 'test/fixtures/sigma/unsupported', 'test/fixtures/sigma/rules/gcp')).toBe(0);
    const report = JSON.parse(out.join('\n')) as { loaded: { id: string; logsource: string }[]; skipped: { reason: string }[]; invalid: unknown[] };
    expect(report.loaded.map((r) => [r.id, r.logsource])).toEqual([
      ['6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0d01', 'gcp/gcp.audit'],
      ['6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0d02', 'gcp/gcp.audit'],
    ]);
    expect(report.skipped).toHaveLength(11);
    expect(report.invalid).toEqual([]);
  });

  it('reads sigma.dirs from the config, relative to the config file', async () => {
    writeFileSync(join(dir, 'warden.yaml'), `sigma:\n  dirs: [rules]\n`);
    expect(await run('sigma', 'check', '--config', join(dir, 'warden.yaml'))).toBe(1);
    expect(err.join('')).toContain(`Sigma rule folder not found: ${join(dir, 'rules')}`);
  });
});
