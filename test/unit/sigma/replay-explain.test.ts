/** `warden replay` and `warden explain` decide with the Sigma rules, as `warden run` does. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/decisions/decision.js';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-sigma-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const input = 'test/fixtures/cloudtrail/input.jsonl';
const STOP = '6f1b6c4e-1d3a-4a47-9d0e-000000000004';

describe('replay and explain with --sigma', () => {
  it('replay puts SIGMA reasons in the decisions and says how many rules it skipped', async () => {
    const out = join(dir, 'decisions.jsonl');
    const r = await runCli('replay', '--input', input, '--no-policies', '--sigma', 'test/fixtures/sigma/rules/aws', '--sigma', 'test/fixtures/sigma/unsupported', '--out', out, '--no-progress');
    expect(r.code).toBe(0);
    expect(r.err).toContain('sigma: 11 rules loaded, 11 skipped (`warden sigma check` lists them with why)');
    const decisions = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Decision);
    const stop = decisions.find((d) => d.eventId === STOP)!;
    expect(stop.reasons.filter((r) => r.code.startsWith('SIGMA:')).map((r) => r.code).sort()).toEqual([
      'SIGMA:6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0a02',
      'SIGMA:6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0a10',
      'SIGMA:6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0a11',
    ]);
    const plain = join(dir, 'plain.jsonl');
    expect((await runCli('replay', '--input', input, '--no-policies', '--out', plain, '--no-progress')).code).toBe(0);
    expect(readFileSync(plain, 'utf8')).not.toContain('SIGMA:');
  });

  it('explain shows the sigma stage: the rules that matched and what each weighed', async () => {
    const r = await runCli('explain', '--input', input, '--event-id', STOP, '--no-policies', '--sigma', 'test/fixtures/sigma/rules');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^sigma {5}3 rules matched \(19 rules, version [0-9a-f]{12}\)$/m);
    expect(r.out).toContain('SIGMA:6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0a02');
    expect(r.out).toContain('Sigma rule "Trail Stopped Or Lambda Created (By Recorded Name)" (low)');
  });
});
