import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { captureOutput as capture } from '../../helpers/cli.js';

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-sinks-cli-'));
  const file = join(dir, 'warden.yaml');
  writeFileSync(file, text);
  return file;
}

describe('warden sinks', () => {
  it('is listed in --help', async () => {
    const io = capture();
    expect(await main(['node', 'warden', '--help'])).toBe(0);
    expect(io.out()).toContain('sinks');
  });

  it('refuses to start with nothing to do, saying what to configure', async () => {
    const io = capture();
    expect(await main(['node', 'warden', 'sinks', '-c', configFile('{}')])).toBe(1);
    expect(io.err()).toMatch(/WARDEN_CONFIG_INVALID warden sinks has nothing to do: configure notify\.routes/);
  });

  it('names a missing secret by its key and variable, never printing the URL', async () => {
    const io = capture();
    const file = configFile(['notify:', '  targets:', '    slack: { type: slack, url: { env: WARDEN_TEST_UNSET_SLACK_URL } }', '  routes: [{ targets: slack }]'].join('\n'));
    expect(await main(['node', 'warden', 'sinks', '-c', file])).toBe(1);
    expect(io.err()).toContain('WARDEN_CONFIG_INVALID notify.targets.slack.url: environment variable WARDEN_TEST_UNSET_SLACK_URL is not set');
  });

  it('reports an unknown route target with the file and field', async () => {
    const io = capture();
    const file = configFile(['notify:', '  routes:', '    - targets: [pager]'].join('\n'));
    expect(await main(['node', 'warden', 'sinks', '-c', file])).toBe(1);
    expect(io.err()).toMatch(/warden\.yaml:3:16 notify\.routes\[0\]\.targets: unknown target "pager" \(notify\.targets has: none\)/);
  });
});
