import { runCli } from '../../helpers/cli.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runScenario } from '../../../src/simulator/scenarios.js';
import type { Decision } from '../../../src/decisions/decision.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-explain-'));
const eventsFile = join(dir, 'events.jsonl');
const inventoryFile = join(dir, 'identities.yaml');
const decisionsFile = join(dir, 'decisions.jsonl');
const profilesFile = join(dir, 'profiles.jsonl');
let decisions: Decision[] = [];
let decisionLines: string[] = [];

const run = runCli;

beforeAll(async () => {
  const sim = runScenario('classic', { seed: 11, days: 7, fleet: 6 });
  writeFileSync(eventsFile, sim.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  writeFileSync(inventoryFile, stringify({ identities: sim.inventory }));
  const replay = await run('replay', '--input', eventsFile, '--identities', inventoryFile, '--out', decisionsFile, '--profiles-out', profilesFile, '--no-progress');
  expect(replay.code).toBe(0);
  decisionLines = readFileSync(decisionsFile, 'utf8').trim().split('\n');
  decisions = decisionLines.map((l) => JSON.parse(l) as Decision);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `n` events spread over the stream: half of them flagged, the first event of some identities, the last event, evenly spaced others. */
function sample(n: number): number[] {
  const picked = new Set<number>();
  const flagged = decisions.flatMap((d, i) => (d.verdict !== 'allow' || d.wouldBe !== undefined ? [i] : []));
  const step = Math.max(1, Math.floor(flagged.length / (n / 2)));
  for (let k = 0; k < flagged.length && picked.size < n / 2; k += step) picked.add(flagged[k]!);
  const seen = new Set<string>();
  decisions.forEach((d, i) => {
    if (!seen.has(d.identity) && picked.size < n / 2 + 3) picked.add(i);
    seen.add(d.identity);
  });
  picked.add(decisions.length - 1);
  const gap = Math.floor(decisions.length / n);
  for (let start = gap; picked.size < n; start++) for (let i = start; picked.size < n && i < decisions.length; i += gap) picked.add(i);
  return [...picked].sort((a, b) => a - b);
}

describe('warden explain gives the decision replay gives', () => {
  const describeDecision = (d: Decision): string => `${d.eventId}: ${d.verdict}/${d.score}/${d.reasons.map((x) => x.code).join('+')}`;

  it('--input FILE --event-id IDs prints, byte for byte, the decision replay wrote for every event of a simulated fleet', async () => {
    const indexes = decisions.map((_, i) => i);
    expect(decisions.filter((d) => d.verdict !== 'allow').length).toBeGreaterThanOrEqual(10);
    const r = await run('explain', '--input', eventsFile, '--event-id', indexes.map((i) => decisions[i]!.eventId).join(','), '--identities', inventoryFile, '--json');
    expect(r.code).toBe(0);
    const got = r.out.split('\n');
    // Same verdict, score and reason codes on every sampled event (said first, to read a failure)...
    expect(got.map((l) => describeDecision(JSON.parse(l) as Decision))).toEqual(indexes.map((i) => describeDecision(decisions[i]!)));
    // ...and in fact the very same decision, as replay writes it.
    expect(got).toEqual(indexes.map((i) => decisionLines[i]!));
  });

  it('explains one event per run, from fresh state, the same way: a sample of 20 across the stream, flagged ones included', async () => {
    const indexes = sample(20);
    expect(indexes.length).toBe(20);
    expect(indexes.filter((i) => decisions[i]!.verdict !== 'allow').length).toBeGreaterThanOrEqual(8);
    for (const i of indexes) {
      const r = await run('explain', '--input', eventsFile, '--event-id', decisions[i]!.eventId, '--identities', inventoryFile, '--json');
      expect(r.code).toBe(0);
      expect(describeDecision(JSON.parse(r.out) as Decision)).toBe(describeDecision(decisions[i]!));
      expect(r.out).toBe(decisionLines[i]);
    }
  }, 15_000);

  it('shows every stage in text, with the verdict and risk of replay', async () => {
    const i = decisions.findIndex((d) => d.verdict !== 'allow' && d.reasons.some((r) => r.code.startsWith('NEW_')));
    expect(i).toBeGreaterThanOrEqual(0);
    const d = decisions[i]!;
    const r = await run('explain', '--input', eventsFile, '--event-id', d.eventId, '--identities', inventoryFile);
    expect(r.code).toBe(0);
    for (const stage of ['event ', 'identity ', 'policy ', 'knowledge ', 'baseline ', 'model ', 'scoring ', 'verdict ']) expect(r.out).toContain(`\n${stage}`.trimStart());
    expect(r.out).toMatch(new RegExp(`verdict\\s+${d.verdict}\\s+risk ${d.score}/100`));
    for (const reason of d.reasons) {
      if (reason.code === 'LEARNING') expect(r.out).toContain(`how findings weigh: ${reason.detail}`);
      else expect(r.out).toContain(`${reason.code} (${reason.weight > 0 ? '+' : ''}${reason.weight}): ${reason.detail}`);
    }
    expect(r.out).toMatch(/baseline {2}\d+ events from /);
    expect(r.out).toContain('model     off');
  });

  it('says plainly when the identity has no baseline yet, and how learning weighs own and peer findings', async () => {
    const first = decisions[0]!;
    const r = await run('explain', '--input', eventsFile, '--event-id', first.eventId, '--identities', inventoryFile);
    expect(r.out).toContain('no baseline for this identity yet — learning');
    const learning = decisions.find((d) => d.reasons.some((x) => x.code === 'LEARNING'));
    expect(learning).toBeDefined();
    const l = await run('explain', '--input', eventsFile, '--event-id', learning!.eventId, '--identities', inventoryFile);
    expect(l.out).toMatch(/how findings weigh: .*learning \(\d+% mature\): own findings weigh ×/);
    expect(l.out).toMatch(/learning \(needs \d+ events and \d+ days\)/);
  });

  it('--profiles decides against the profiles at the end of the replay, and never writes them', async () => {
    const before = readFileSync(profilesFile, 'utf8');
    const last = decisions[decisions.length - 1]!;
    const event = readFileSync(eventsFile, 'utf8').trim().split('\n').at(-1)!;
    const r = await run('explain', '--event', event, '--profiles', profilesFile, '--identities', inventoryFile);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`baseline {2}\\d+ events from .*profiles from ${profilesFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(r.out).toContain(`identity  ${last.identity}`);
    // The event was already learned at the end of the replay: it is decided against a profile that knows it.
    const again = await run('explain', '--event', event, '--profiles', profilesFile, '--identities', inventoryFile, '--json');
    expect((JSON.parse(again.out) as Decision).eventId).toBe(last.eventId);
    expect(readFileSync(profilesFile, 'utf8')).toBe(before);
    const stranger = await run('explain', '--event', JSON.stringify({ id: 's1', time: '2026-12-01T10:00:00Z', identity: { id: 'stranger-bot' }, action: 's3:GetObject' }), '--profiles', profilesFile, '--identities', inventoryFile);
    expect(stranger.out).toContain('NOT IN THE INVENTORY');
    expect(stranger.out).toContain('UNKNOWN_IDENTITY');
    expect(stranger.out).toContain('no baseline for this identity yet — learning');
  });

  it('--no-policies decides without policies, like replay --no-policies', async () => {
    const d = decisions.find((x) => x.reasons.some((r) => r.code.startsWith('POLICY_')))!;
    const out = join(dir, 'nopol.jsonl');
    await run('replay', '--input', eventsFile, '--identities', inventoryFile, '--out', out, '--no-policies', '--no-progress');
    const want = readFileSync(out, 'utf8').trim().split('\n').find((l) => (JSON.parse(l) as Decision).eventId === d.eventId);
    const r = await run('explain', '--input', eventsFile, '--event-id', d.eventId, '--identities', inventoryFile, '--no-policies', '--json');
    expect(r.out).toBe(want);
    expect(r.out).not.toContain('POLICY_');
    const text = await run('explain', '--input', eventsFile, '--event-id', d.eventId, '--identities', inventoryFile, '--no-policies');
    expect(text.out).toContain('policy    off (--no-policies)');
  });
});

describe('warden explain input', () => {
  it('takes a raw CloudTrail record, inline or @file', async () => {
    const record = readFileSync('test/fixtures/real-audit/cloudtrail.jsonl', 'utf8').split('\n')[0]!;
    const inline = await run('explain', '--event', record);
    expect(inline.code).toBe(0);
    expect(inline.out).toMatch(/^event {5}1: lambda:/);
    expect(inline.out).toContain('identity  arn:aws:iam::123456789012:user/john.developer');
    const file = join(dir, 'ct.json');
    writeFileSync(file, JSON.stringify(JSON.parse(record), null, 2));
    const fromFile = await run('explain', '--event', `@${file}`, '--json');
    expect(fromFile.code).toBe(0);
    expect((JSON.parse(fromFile.out) as Decision).identity).toBe('arn:aws:iam::123456789012:user/john.developer');
  });

  it('refuses bad invocations with a WARDEN_ code and no stack trace', async () => {
    const missing = await run('explain', '--event', '@no-such-file.json');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('WARDEN_INPUT_NOT_FOUND');
    expect(missing.err).not.toMatch(/\n\s+at /);
    const both = await run('explain', '--event', '{}', '--input', eventsFile);
    expect(both.code).toBe(2);
    expect(both.err).toContain('WARDEN_USAGE');
    const noId = await run('explain', '--input', eventsFile);
    expect(noId.code).toBe(2);
    expect(noId.err).toContain('--input needs --event-id');
    const unknown = await run('explain', '--input', eventsFile, '--event-id', 'no-such-event', '--identities', inventoryFile);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no event with id no-such-event in .* \(\d+ events read\)/);
    const conflict = await run('explain', '--event', '{}', '--profiles', profilesFile, '--store', 'redis');
    expect(conflict.code).toBe(2);
    const badProfiles = join(dir, 'bad-profiles.jsonl');
    writeFileSync(badProfiles, '{"not":"a profile"}\n');
    const bad = await run('explain', '--event', JSON.stringify({ id: 'x', time: '2026-12-01T10:00:00Z', identity: { id: 'a' }, action: 'x:y' }), '--profiles', badProfiles);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('is not a baseline profile');
  });
});
