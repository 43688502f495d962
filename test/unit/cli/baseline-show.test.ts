import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { deriveProfile, describeProfile, humanBytes, windowLabel } from '../../../src/baseline/describe.js';
import { emptyProfile } from '../../../src/baseline/profile.js';
import type { IdentityProfile, ValueStats } from '../../../src/baseline/profile.js';
import { baselineSchema } from '../../../src/config/sections/baseline.js';

const config = baselineSchema.parse({});
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-10T00:00:00Z');

function stats(n: number, legit: number, firstDay: number, lastDay: number, days: number): ValueStats {
  return { n, legit, first: T0 + firstDay * DAY, last: T0 + lastDay * DAY, days, lastDay: Math.floor((T0 + lastDay * DAY) / DAY) };
}

function profile(id: string, events: number, spanDays: number): IdentityProfile {
  const p = emptyProfile(id, 8);
  p.events = events;
  p.firstSeen = T0;
  p.lastSeen = T0 + spanDays * DAY;
  p.maps.action.entries = {
    's3:GetObject': stats(400, 390, 0, spanDays, 10),
    'iam:CreateAccessKey': stats(2, 2, spanDays - 0.5, spanDays, 1),
    'ec2:RunInstances': stats(3, 0, 1, 4, 3),
  };
  p.maps.action.size = 3;
  p.maps.resource.entries = { 'arn:aws:s3:::logs/dt=#/*': stats(400, 390, 0, spanDays, 10) };
  p.maps.resource.size = 1;
  p.rate = { window: 0, count: 0, mean: 12.34, var: 16, n: 200 };
  p.volume = { 's3:GetObject': { bytes: { mean: Math.log1p(4 * 1024 * 1024), var: 0, n: 50 }, rows: { mean: 0, var: 0, n: 0 } } };
  p.hours[9] = 10; // Monday 09:00 UTC
  p.hoursTotal = 10;
  return p;
}

describe('baseline show: what the text says', () => {
  it('spells out units and windows and shows bytes humanly', () => {
    const text = describeProfile(profile('svc-a', 500, 10), config).join('\n');
    expect(text).toContain('12.3 ± 4 calls per 5-minute window');
    expect(text).toContain('s3:GetObject 4.0 MiB');
    expect(text).toContain('Mon 09:00 100%');
    expect(text).toMatch(/busiest hours of the week \(UTC/);
    expect(humanBytes(1536)).toBe('1.5 KiB');
    expect(humanBytes(900)).toBe('900 B');
    expect(windowLabel(300)).toBe('5-minute');
    expect(windowLabel(3600)).toBe('1-hour');
    expect(windowLabel(45)).toBe('45-second');
  });

  it('explains learning with events and days against the configured period', () => {
    const young = describeProfile(profile('svc-young', 12, 1), config).join('\n');
    expect(young).toMatch(/learning: yes, \d+% mature: 12 of 30 events, 1 of 3 days/);
    expect(young).toContain('×0.25');
    const old = describeProfile(profile('svc-old', 500, 10), config).join('\n');
    expect(old).toContain('learning: done (500 events ≥ 30, 10 days ≥ 3)');
  });

  it('marks values first seen lately, lists values not yet normal apart, and explains # once', () => {
    const lines = describeProfile(profile('svc-a', 500, 10), config);
    const text = lines.join('\n');
    const actions = lines.find((l) => l.trimStart().startsWith('actions'))!;
    expect(actions).toContain('s3:GetObject ×400');
    // Normal by days but never from an ordinary context: said so.
    expect(actions).toContain('ec2:RunInstances ×3 (normal by days only: all 3 sightings were flagged)');
    expect(actions).not.toContain('iam:CreateAccessKey');
    expect(text).toContain('not yet normal: iam:CreateAccessKey: seen 2× from an ordinary context, on 1 day since 2026-11-19; needs 3 or 2 distinct days');
    expect(lines.filter((l) => l.includes('# in a resource pattern')).length).toBe(1);
    const derived = deriveProfile(profile('svc-a', 500, 10), config);
    const key = derived.values.action!.values.find((v) => v.value === 'iam:CreateAccessKey')!;
    expect(key).toMatchObject({ recent: true, normal: false, seen: 2, ordinary: 2 });
    expect(derived.values.action!.values.find((v) => v.value === 's3:GetObject')).toMatchObject({ recent: false, normal: true });
  });

  it('names a peer group profile as such, with its first members', () => {
    const p = profile('~peers/class/etl', 500, 10);
    p.members = ['etl-1', 'etl-2'];
    expect(describeProfile(p, config)[0]).toMatch(/^peer group ~peers\/class\/etl .*first members: etl-1, etl-2/);
  });
});

describe('warden baseline show', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-baseline-show-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'profiles.jsonl');
  const peer = profile('~peers/class/etl', 900, 12);
  peer.members = ['svc-a', 'etl-2', 'etl-3'];
  writeFileSync(file, `${JSON.stringify(profile('svc-a', 500, 10))}\n${JSON.stringify(peer)}\n`);

  async function run(...args: string[]): Promise<{ code: number; out: string }> {
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...xs: unknown[]) => void out.push(xs.join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      return { code: await main(['node', 'warden', ...args]), out: out.join('\n') };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  }

  it('prints the stored profile and the derived fields with --json', async () => {
    const res = await run('baseline', 'show', 'svc-a', '--file', file, '--json');
    expect(res.code).toBe(0);
    const json = JSON.parse(res.out) as { profile: IdentityProfile; derived: { learning: { inLearning: boolean }; rate: { windowSeconds: number } } };
    expect(json.profile.identity).toBe('svc-a');
    expect(json.profile.maps.action.entries['s3:GetObject']?.n).toBe(400);
    expect(json.derived.learning.inLearning).toBe(false);
    expect(json.derived.rate.windowSeconds).toBe(300);
  });

  it('shows the peer group profile with --peers, and a ~peers id directly', async () => {
    const res = await run('baseline', 'show', 'svc-a', '--file', file, '--peers');
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^identity svc-a/);
    expect(res.out).toMatch(/\npeer group ~peers\/class\/etl/);
    const direct = await run('baseline', 'show', '~peers/class/etl', '--file', file);
    expect(direct.out).toMatch(/^peer group ~peers\/class\/etl/);
    expect((await run('baseline', 'show', 'nobody', '--file', file)).code).toBe(2);
  });
});
