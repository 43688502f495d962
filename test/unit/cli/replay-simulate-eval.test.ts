import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...xs: unknown[]) => void lines.push(xs.join(' ')));
  try {
    const code = await main(['node', 'warden', ...args]);
    return { code, out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('warden simulate → replay → eval → feedback → baseline show', () => {
  it('replays to one decision per event, byte-identical on re-run, and evaluates against the references', async () => {
    const sim = join(dir, 'sim');
    expect((await run('simulate', '--scenario', 'classic', '--seed', '2', '--days', '8', '--fleet', '8', '--out', sim)).code).toBe(0);
    const events = readFileSync(join(sim, 'events.jsonl'), 'utf8').trim().split('\n');
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    const profiles = join(dir, 'profiles.jsonl');
    const first = await run('replay', '--input', join(sim, 'events.jsonl'), '--identities', join(sim, 'identities.yaml'), '--out', a, '--profiles-out', profiles, '--no-progress');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/allow \d+, alert \d+, block \d+/);
    await run('replay', '--input', join(sim, 'events.jsonl'), '--identities', join(sim, 'identities.yaml'), '--out', b, '--batch-size', '333', '--no-progress');
    const decisions = readFileSync(a, 'utf8');
    expect(decisions.trim().split('\n')).toHaveLength(events.length);
    expect(readFileSync(b, 'utf8')).toBe(decisions);

    const evaluation = await run('eval', '--events', sim, '--decisions', a, '--json');
    const figures = JSON.parse(evaluation.out) as { warden: { episodes: number; recallAt5: number }; newValue: unknown; rateThreshold: unknown };
    expect(figures.warden.episodes).toBeGreaterThan(0);
    expect(figures.newValue).toBeDefined();
    expect(figures.rateThreshold).toBeDefined();

    const flagged = decisions.trim().split('\n').map((l) => JSON.parse(l) as { decisionId: string; verdict: string; identity: string }).find((d) => d.verdict !== 'allow');
    expect(flagged).toBeDefined();
    const fb = join(dir, 'feedback.jsonl');
    expect((await run('feedback', '--decision', flagged!.decisionId, '--benign', '--decisions', a, '--file', fb)).code).toBe(0);
    expect(JSON.parse(readFileSync(fb, 'utf8')).label).toBe('benign');
    const c = join(dir, 'c.jsonl');
    await run('replay', '--input', join(sim, 'events.jsonl'), '--identities', join(sim, 'identities.yaml'), '--out', c, '--feedback', fb, '--no-progress');
    expect(readFileSync(c, 'utf8')).not.toBe(decisions);

    const show = await run('baseline', 'show', flagged!.identity, '--file', profiles);
    expect(show.out).toContain(`identity ${flagged!.identity}`);
    expect(show.out).toMatch(/actions \(\d+/);
  });

  it('replays real CloudTrail records through the normalizers, keeping the unreadable ones aside', async () => {
    const out = join(dir, 'ct.out');
    const rejects = join(dir, 'ct.rejects');
    const logs = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const code = await main(['node', 'warden', 'replay', '--input', 'test/fixtures/real-audit/cloudtrail.jsonl', '--format', 'cloudtrail', '--out', out, '--rejects', rejects, '--no-progress']);
    logs.mockRestore();
    expect(code).toBe(0);
    const decisions = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { eventId: string; verdict: string });
    expect(decisions.length).toBeGreaterThan(150);
    expect(decisions.every((d) => ['allow', 'alert', 'block'].includes(d.verdict))).toBe(true);
  });

  it('refuses CloudTrail output for the classic scenario, whose identities are not AWS principals', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const code = await main(['node', 'warden', 'simulate', '--scenario', 'classic', '--format', 'cloudtrail', '--out', join(dir, 'ct-classic')]);
    errors.mockRestore();
    expect(code).toBe(2);
  });

  it('rejects an unknown replay format with a usage error', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const code = await main(['node', 'warden', 'replay', '--input', 'test/fixtures/real-audit/cloudtrail.jsonl', '--format', 'syslog', '--out', join(dir, 'x.out'), '--no-progress']);
    errors.mockRestore();
    expect(code).toBe(2);
  });
});
