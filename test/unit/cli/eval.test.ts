import { runCli } from '../../helpers/cli.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'warden-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

interface KindJson {
  episodes: number;
  events: number;
  recallAt5: number;
  precision: number | null;
  prAuc: number;
}
interface FiguresJson {
  perKind: Record<string, KindJson>;
  perVariant: Record<string, KindJson>;
  benignByDrift: Record<string, { events: number; flagged: number; flagRate: number }>;
}
interface ComparisonJson {
  decided: number;
  missing: number;
  warden: FiguresJson;
  newValue: FiguresJson;
  rateThreshold: FiguresJson;
}

describe('warden eval on a simulation', () => {
  const sim = join(dir, 'sim');
  const decisions = join(dir, 'decisions.jsonl');
  beforeAll(async () => {
    expect((await run('simulate', '--scenario', 'classic', '--seed', '3', '--days', '7', '--fleet', '6', '--out', sim)).code).toBe(0);
    expect((await run('replay', '--input', join(sim, 'events.jsonl'), '--identities', join(sim, 'identities.yaml'), '--out', decisions, '--no-progress')).code).toBe(0);
  });

  it('prints per attack kind recall, precision and PR-AUC, and benign flags per drift as a share', async () => {
    const text = await run('eval', '--events', sim, '--decisions', decisions);
    expect(text.code).toBe(0);
    expect(text.out).toContain('per attack kind, one-vs-benign');
    expect(text.out).toMatch(/attack kind\s+detector\s+episodes\s+events\s+recall@5\s+recall\s+ttd\s+precision\s+PR-AUC/);
    expect(text.out).toMatch(/routine\s+\d+\s+\d+ \(\d+\.\d\d%\)/);

    const json = await run('eval', '--events', sim, '--decisions', decisions, '--json');
    const cmp = JSON.parse(json.out) as ComparisonJson;
    const labels = readFileSync(join(sim, 'labels.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { label: string; kind?: string; drift?: string });
    expect(cmp.decided).toBe(labels.length);
    expect(cmp.missing).toBe(0);
    const kinds = [...new Set(labels.filter((l) => l.label === 'attack').map((l) => l.kind))].sort();
    expect(Object.keys(cmp.warden.perKind)).toEqual(kinds);
    for (const kind of kinds) {
      const k = cmp.warden.perKind[kind!]!;
      expect(k.events).toBe(labels.filter((l) => l.kind === kind).length);
      expect(k.prAuc).toBeGreaterThanOrEqual(0);
      expect(k.prAuc).toBeLessThanOrEqual(1);
      expect(cmp.newValue.perKind[kind!]).toBeDefined();
    }
    const routine = cmp.warden.benignByDrift.routine!;
    expect(routine.events).toBe(labels.filter((l) => l.label === 'benign' && !l.drift).length);
    expect(routine.flagRate).toBeCloseTo(routine.flagged / routine.events);
    expect(cmp.warden.perVariant).toEqual({}); // the classic scenario has no variants
  });

  it('joins by event id: a decision missing from the file is counted, not an error', async () => {
    const lines = readFileSync(decisions, 'utf8').trim().split('\n');
    const fewer = join(dir, 'fewer.jsonl');
    writeFileSync(fewer, `${[...lines.slice(0, 10), ...lines.slice(11)].reverse().join('\n')}\n`);
    const json = await run('eval', '--events', join(sim, 'events.jsonl'), '--decisions', fewer, '--json');
    expect(json.code).toBe(0);
    const cmp = JSON.parse(json.out) as ComparisonJson;
    expect(cmp.missing).toBe(1);
    expect(cmp.decided).toBe(lines.length - 1);
    expect((await run('eval', '--events', sim, '--decisions', fewer)).out).toContain('1 labels without a decision');
  });

  it('fails with a usage error when no decision matches a label', async () => {
    const other = join(dir, 'other.jsonl');
    writeFileSync(other, `${JSON.stringify({ eventId: 'nope', verdict: 'allow', score: 0, reasons: [] })}\n`);
    const r = await run('eval', '--events', sim, '--decisions', other);
    expect(r.code).toBe(2);
    expect(r.err).toContain('WARDEN_USAGE');
  });

  it('needs exactly one of --events and --labels', async () => {
    expect((await run('eval', '--decisions', decisions)).code).toBe(2);
    const both = await run('eval', '--events', sim, '--labels', join(sim, 'labels.jsonl'), '--decisions', decisions);
    expect(both.code).toBe(2);
    expect(both.err).toContain('exactly one of --events');
  });
});

describe('warden eval on a CloudTrail simulation', () => {
  it('reads cloudtrail.jsonl through the normalizers, scores per kind/variant, and counts the record the replay rejected', async () => {
    const sim = join(dir, 'ct');
    expect((await run('simulate', '--scenario', 'varied', '--format', 'cloudtrail', '--seed', '5', '--days', '7', '--fleet', '3', '--out', sim)).code).toBe(0);
    const records = readFileSync(join(sim, 'cloudtrail.jsonl'), 'utf8').trim().split('\n');
    records[20] = '{"eventVersion": "1.08", "broken": ';
    writeFileSync(join(sim, 'cloudtrail.jsonl'), `${records.join('\n')}\n`);
    const decisions = join(dir, 'ct-decisions.jsonl');
    expect((await run('replay', '--input', join(sim, 'cloudtrail.jsonl'), '--identities', join(sim, 'identities.yaml'), '--out', decisions, '--rejects', join(dir, 'ct-rejects.jsonl'), '--no-progress')).code).toBe(0);
    const json = await run('eval', '--events', join(sim, 'cloudtrail.jsonl'), '--decisions', decisions, '--json');
    expect(json.code).toBe(0);
    const cmp = JSON.parse(json.out) as ComparisonJson & { rejected: number };
    expect(cmp.missing).toBe(1);
    expect(cmp.rejected).toBe(1);
    expect(cmp.decided).toBe(records.length - 1);
    const variants = Object.keys(cmp.warden.perVariant);
    expect(variants.length).toBeGreaterThan(0);
    expect(variants.every((v) => /^[^/]+\/.+/.test(v))).toBe(true);
    const text = await run('eval', '--events', join(sim, 'cloudtrail.jsonl'), '--decisions', decisions);
    expect(text.out).toContain('per kind/variant, one-vs-benign');
    expect(text.out).toContain('1 labels without a decision (not scored); 1 records of the events file not read');
  });
});

describe('warden eval --labels on a labelled recording', () => {
  const decision = (eventId: string, verdict: string, score: number, reasons: string[] = []): string =>
    JSON.stringify({ eventId, verdict, score, mode: 'enforce', reasons: reasons.map((code) => ({ code, detail: '', weight: 30 })) });
  const labels = [
    { eventID: 'h1', identity: 'u', label: 'benign', technique: null, phase: null, part: 'history', target: true },
    { eventID: 'w1', identity: 'u', label: 'benign', technique: null, phase: null, part: 'window', target: true, seenInHistory: true },
    { eventID: 'w2', identity: 'u', label: 'benign', technique: null, phase: null, part: 'window', target: true, seenInHistory: false },
    { eventID: 'w3', identity: 'u', label: 'benign', technique: null, phase: null, part: 'window', target: true, seenInHistory: false },
    { eventID: 'a1', identity: 'u', label: 'attack', technique: 'aws.discovery.ec2-enumerate', phase: 'detonate', part: 'window', target: true },
    { eventID: 'a2', identity: 'u', label: 'attack', technique: 'aws.discovery.ec2-enumerate', phase: 'detonate', part: 'window', target: true },
    { eventID: 'a3', identity: 'u', label: 'attack', technique: 'aws.exfiltration.s3-share', phase: 'detonate', part: 'window', target: true },
  ];
  const decisions = [decision('h1', 'allow', 0), decision('w1', 'allow', 5), decision('w2', 'alert', 60, ['NEW_ACTION']), decision('a1', 'allow', 20), decision('a2', 'block', 90, ['ENUMERATION']), decision('a3', 'allow', 10)];

  it('prints techniques flagged, benign window and unseen benign flags; reads gzip labels', async () => {
    const labelsFile = join(dir, 'rec.labels.jsonl.gz');
    const decisionsFile = join(dir, 'rec.decisions.jsonl');
    writeFileSync(labelsFile, gzipSync(labels.map((l) => JSON.stringify(l)).join('\n')));
    writeFileSync(decisionsFile, `${decisions.join('\n')}\n`);
    const text = await run('eval', '--labels', labelsFile, '--decisions', decisionsFile);
    expect(text.code).toBe(0);
    expect(text.out).toContain('techniques flagged      1/2 (50.0%)');
    expect(text.out).toContain('benign window flagged   1/2 (50.0%)');
    expect(text.out).toContain('unseen benign change    1/1 (100.0%)');
    expect(text.out).toContain('1 labels without a decision');
    expect(text.out).toMatch(/aws\.discovery\.ec2-enumerate\s+1\/2\s+block ENUMERATION/);

    const json = JSON.parse((await run('eval', '--labels', labelsFile, '--decisions', decisionsFile, '--json')).out) as { missing: number; techniques: number; precision: number; prAuc: number };
    expect(json.missing).toBe(1);
    expect(json.techniques).toBe(2);
    expect(json.precision).toBe(0.5);
    // window ranking: 90+ 60- 20+ 10+ 5- → AP = (1/3)(1) + (1/3)(2/3) + (1/3)(3/4)
    expect(json.prAuc).toBeCloseTo((1 + 2 / 3 + 3 / 4) / 3);
  });

  it('refuses simulator labels given to --labels', async () => {
    const simLabels = join(dir, 'sim-labels.jsonl');
    writeFileSync(simLabels, `${JSON.stringify({ eventId: 'a1', identity: 'u', label: 'attack' })}\n`);
    const decisionsFile = join(dir, 'rec2.decisions.jsonl');
    writeFileSync(decisionsFile, `${decisions.join('\n')}\n`);
    const r = await run('eval', '--labels', simLabels, '--decisions', decisionsFile);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--events');
  });
});
