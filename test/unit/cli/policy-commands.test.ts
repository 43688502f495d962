import { mkdirSync, mkdtempSync, writeFileSync, rmSync, cpSync, readFileSync } from 'node:fs';
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
  process.exitCode = undefined;
  dir = mkdtempSync(join(tmpdir(), 'warden-policy-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => main(['node', 'warden', ...args]);
const events = (list: object[]) => {
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, list.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return file;
};
const deploy = { time: '2026-11-25T10:00:00Z', identity: { id: 'arn:aws:iam::123456789012:role/ci-deployer' }, environment: 'prod', source: { ip: '10.20.1.1', workload: 'ci-runner-1' } };

describe('warden policy', () => {
  it('validate accepts the shipped policies and tests', async () => {
    expect(await run('policy', 'validate', 'config/policies')).toBe(0);
    expect(out.join('\n')).toMatch(/ok: 3 policies, \d+ rules, 3 test files/);
  });

  it('validate warns about exceptions that have expired (wall clock), without failing', async () => {
    writeFileSync(join(dir, 'a.yaml'), 'policy: a\nrules:\n  - { id: r, kind: deny, actions: [x] }\nexceptions:\n  - { id: old, expires: 2020-01-01, reason: "long gone migration" }\n');
    expect(await run('policy', 'validate', dir)).toBe(0);
    expect(out.join('\n')).toMatch(/warning: .*a\.yaml:5 exception old expired 2020-01-01/);
  });

  it('validate lists every problem across files with file:line:column field', async () => {
    writeFileSync(join(dir, 'a.yaml'), 'policy: a\nrules:\n  - { id: r, kind: time-window, timezone: Nowhere/City, windows: ["Mon 09:00-10:00"] }\n');
    writeFileSync(join(dir, 'b.yaml'), 'policy: b\nrules:\n  - { id: r, kind: source, cidrs: [10.0.0.0/99] }\n');
    expect(await run('policy', 'validate', dir)).toBe(1);
    const text = err.join('\n');
    expect(text).toContain('WARDEN_POLICY_INVALID');
    expect(text).toMatch(/a\.yaml:3:\d+ rules\[0\]\.timezone: unknown time zone/);
    expect(text).toMatch(/b\.yaml:3:\d+ rules\[0\]\.cidrs\[0\]/);
  });

  it('test passes the shipped examples with full coverage', async () => {
    expect(await run('policy', 'test', 'config/policies', '--require-coverage')).toBe(0);
    expect(out.join('\n')).toMatch(/(\d+) passed, 0 failed/);
    expect(out.join('\n')).not.toContain('untested:');
  });

  it('test --json gives CI one document with cases and coverage', async () => {
    expect(await run('policy', 'test', 'config/policies', '--json')).toBe(0);
    const doc = JSON.parse(out.join('\n')) as { failed: number; cases: { passed: boolean }[]; coverage: { untested: unknown[]; total: number } };
    expect(doc.failed).toBe(0);
    expect(doc.cases.length).toBeGreaterThan(20);
    expect(doc.coverage).toMatchObject({ untested: [] });
  });

  it('test fails with exit 1, shows the difference, and lists untested rules', async () => {
    cpSync('config/identities.yaml', join(dir, 'identities.yaml'));
    const pol = join(dir, 'policies');
    mkdirSync(pol);
    writeFileSync(join(pol, 'p.yaml'), 'policy: p\nrules:\n  - { id: no-iam, kind: deny, actions: ["iam:*"] }\n  - { id: never, kind: deny, actions: ["x:*"] }\n');
    writeFileSync(join(pol, 'p.test.yaml'), `identities: ../identities.yaml\ncases:\n  - name: wrong expectation\n    event: { time: "2026-11-25T10:00:00Z", identity: { id: svc-etl-nightly }, action: iam:CreateUser }\n    expect: { verdict: alert, reasons: [POLICY_DENY] }\n`);
    const code = await run('policy', 'test', pol);
    const text = out.join('\n');
    expect(err).toEqual([]);
    expect(code).toBe(1);
    expect(text).toContain('FAIL wrong expectation');
    expect(text).toContain('verdict: expected alert, got block');
    expect(text).toContain('untested: p/never');
    expect(text).toContain('0 passed, 1 failed');
  });

  it('diff lists the verdicts a change flips on recorded events', async () => {
    const base = join(dir, 'base');
    const head = join(dir, 'head');
    cpSync('config/policies', base, { recursive: true });
    cpSync('config/policies', head, { recursive: true });
    // The change: deployers may now also run ECS tasks, but lose ListBucket.
    const file = join(head, 'ci-deployer.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"s3:ListBucket", ', '"ecs:RunTask", '));
    const input = events([
      { ...deploy, id: 'a', action: 'ecs:RunTask' },
      { ...deploy, id: 'b', action: 's3:ListBucket' },
      { ...deploy, id: 'c', action: 's3:PutObject' },
    ]);
    expect(await run('policy', 'diff', '--base', base, '--head', head, '--input', input, '--fail-on-flip')).toBe(1);
    const text = out.join('\n');
    expect(text).toMatch(/- a .*ecs:RunTask .*block \(risk \d+\) -> allow \(risk \d+\)/);
    expect(text).toMatch(/\+ b .*s3:ListBucket .*allow \(risk \d+\) -> block \(risk \d+\)/);
    expect(text).toContain('3 events, 2 verdicts flipped');
    expect(text).toMatch(/allow -> allow\s+1/);
  });

  it('diff reads raw CloudTrail records and decides them with the full decider', async () => {
    const base = join(dir, 'base');
    mkdirSync(base);
    writeFileSync(join(base, 'none.yaml'), 'policy: none\nrules:\n  - { id: never, kind: deny, actions: ["nothing:Never"] }\n');
    const head = join(dir, 'head');
    mkdirSync(head);
    writeFileSync(join(head, 'lambda.yaml'), 'policy: lambda\nrules:\n  - { id: no-lambda-config, kind: deny, actions: ["lambda:UpdateFunctionConfiguration*"] }\n');
    const input = join(dir, 'cloudtrail.jsonl');
    cpSync('test/fixtures/real-audit/cloudtrail.jsonl', input);
    expect(await run('policy', 'diff', '--base', base, '--head', head, '--input', input, '--limit', '1')).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^\+ \S+ \S+ lambda:UpdateFunctionConfiguration\S* .*-> block \(risk \d+\)/m);
    expect(text).toMatch(/POLICY_DENY \(\+\d+\): lambda\/no-lambda-config/);
    expect(text).toMatch(/\d+ events, [1-9]\d* verdicts flipped/);
    expect(text).toContain('each side replayed from an empty baseline');
    // The full decider: unknown identities and technique knowledge weigh on both sides.
    expect(text).toMatch(/alert -> alert\s+\d+|block -> block\s+\d+/);
  });

  it('test checks the techniques the knowledge pack weighed in, and says cases start from an empty baseline', async () => {
    cpSync('config/identities.yaml', join(dir, 'identities.yaml'));
    const pol = join(dir, 'policies');
    mkdirSync(pol);
    writeFileSync(join(pol, 'p.yaml'), 'policy: p\nrules:\n  - { id: no-iam, kind: deny, actions: ["iam:*"] }\n');
    writeFileSync(
      join(pol, 'p.test.yaml'),
      `identities: ../identities.yaml\ncases:\n  - name: wrong technique\n    event: { time: "2026-11-25T10:00:00Z", identity: { id: svc-etl-nightly }, action: ec2:RunInstances }\n    expect: { verdict: allow, reasons: [], techniques: [T0000] }\n`,
    );
    expect(await run('policy', 'test', pol)).toBe(1);
    const text = out.join('\n');
    expect(text).toMatch(/techniques: expected \[T0000\], got \[T\d{4}(\.\d{3})?\]/);
    expect(text).toMatch(/- ATTACK_TECHNIQUE \(\+\d+\): T\d{4}/);
    expect(text).toContain('each case decided from an empty baseline');
  });

  it('diff reads the base from a git ref', async () => {
    const input = events([{ ...deploy, id: 'a', action: 's3:PutObject' }]);
    expect(await run('policy', 'diff', '--base', 'HEAD', '--input', input)).toBe(0);
    expect(out.join('\n')).toMatch(/base [0-9a-f]{16} \(HEAD\)/);
    expect(await run('policy', 'diff', '--base', 'no-such-ref-xyz', '--input', input)).toBe(2);
    expect(err.join('\n')).toContain('--base must be a folder or a git ref');
  });

  it('diff against the same policies flips nothing', async () => {
    const input = events([{ ...deploy, id: 'a', action: 'iam:CreateUser' }]);
    expect(await run('policy', 'diff', '--base', 'config/policies', '--head', 'config/policies', '--input', input)).toBe(0);
    expect(out.join('\n')).toContain('1 events, 0 verdicts flipped');
  });
});

describe('warden explain', () => {
  it('says which rules fired and why', async () => {
    expect(await run('explain', '--event', JSON.stringify({ ...deploy, id: 'x', action: 'iam:CreateAccessKey', time: '2026-11-28T03:00:00Z' }))).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('owner team-platform');
    expect(text).toContain('ci-deployer/no-iam-changes [enforce] deny');
    expect(text).toContain('POLICY_TIME_WINDOW');
    expect(text).toContain('Sat 04:00 Europe/Paris');
    expect(text).toMatch(/verdict\s+block/);
  });

  it('refuses an event that is not usable', async () => {
    expect(await run('explain', '--event', '{"id":"x"}')).toBe(2);
    expect(err.join('\n')).toContain('UNKNOWN_FORMAT: record matches no known audit format');
    expect(await run('explain', '--event', '{"id":"x"}', '--format', 'warden')).toBe(2);
    expect(err.join('\n')).toContain('MISSING_IDENTITY: native event has no identity');
  });
});

describe('warden identities report', () => {
  it('reports owned, unowned, stale identities and shared tokens', async () => {
    const input = events([
      { ...deploy, id: '1', action: 's3:GetObject', identity: { id: 'arn:aws:iam::123456789012:role/ci-deployer', tokenId: 'AKIAEXAMPLEDEPLOY001' } },
      { ...deploy, id: '2', action: 's3:GetObject', identity: { id: 'mystery-bot', tokenId: 'AKIAEXAMPLEDEPLOY001' } },
    ]);
    writeFileSync(input, readFileSync(input, 'utf8') + 'not json\n');
    expect(await run('identities', 'report', '--input', input, '--json', '--fail-on-unowned')).toBe(1);
    const report = JSON.parse(out.join('\n')) as { owned: { id: string }[]; unowned: { id: string }[]; stale: { id: string }[]; sharedTokens: { token: string }[] };
    expect(report.owned.map((s) => s.id)).toEqual(['arn:aws:iam::123456789012:role/ci-deployer']);
    expect(report.unowned.map((s) => s.id)).toEqual(['mystery-bot']);
    expect(report.stale.map((s) => s.id)).toContain('svc-etl-nightly');
    expect(report.sharedTokens.map((t) => t.token)).toEqual(['AKIAEXAMPLEDEPLOY001']);
    expect(err.join('\n')).toContain(':3: skipped: MALFORMED_JSON');
  });
});
