/**
 * The README's walk-through works verbatim: the shell blocks of steps 2 (a labelled fleet,
 * replayed) and 3 (your own audit logs) are taken from README.md as they are and run with bash in
 * a scratch folder, with the built CLI (`bin/warden.js`; `npm test` builds before the unit tests,
 * and the bin builds on demand otherwise). Step 3's "your own logs" are the real CloudTrail
 * fixtures, gzipped; `$EDITOR` is a no-op.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The first ```sh block after the line that starts with `marker`. */
function shellBlockAfter(marker: string): string {
  const at = README.indexOf(marker);
  if (at < 0) throw new Error(`README has no "${marker}"`);
  const open = README.indexOf('```sh\n', at);
  const close = README.indexOf('\n```', open + 6);
  if (open < 0 || close < 0) throw new Error(`no sh block after "${marker}"`);
  return README.slice(open + 6, close);
}

const dir = mkdtempSync(join(tmpdir(), 'warden-readme-'));
for (const name of ['bin', 'config']) symlinkSync(join(ROOT, name), join(dir, name));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(script: string): { status: number | null; stdout: string; stderr: string } {
  // Non-interactive bash ignores aliases unless told; the README's blocks are meant for a shell.
  const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', `shopt -s expand_aliases\nalias warden="node bin/warden.js"\n${script}`], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, EDITOR: 'true', NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('README walk-through', () => {
  it('step 2: simulate, replay, eval and baseline show run as written', () => {
    const r = run(shellBlockAfter('**2. A labeled fleet, replayed.**'));
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/labelled events decided/);
    expect(r.stdout).toMatch(/^warden\s+\d/m);
    expect(r.stdout).toMatch(/^identity \S+: \d+ events/m);
  }, 180_000);

  it('step 3: normalize, identities init, report, replay and explain run as written on real CloudTrail', () => {
    writeFileSync(join(dir, 'cloudtrail.json.gz'), gzipSync(readFileSync(join(ROOT, 'test/fixtures/real-audit/cloudtrail.jsonl'))));
    const r = run(shellBlockAfter('**3. Your own audit logs.**'));
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^inventory my-identities\.yaml/m);
    // After `identities init`, no identity is unknown: the replay's reasons never say so.
    expect(readFileSync(join(dir, 'decisions.jsonl'), 'utf8')).not.toContain('UNKNOWN_IDENTITY');
    expect(r.stdout).toMatch(/^verdict\s+alert/m);
  }, 180_000);
});
