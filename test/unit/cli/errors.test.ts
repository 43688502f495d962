/**
 * Every command given bad input prints `WARDEN_<CODE> message` (and maybe a `hint:` line), no
 * stack trace and no raw error object, and exits 2 for usage errors, 1 for the others.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { describeError, formatErrorReport } from '../../../src/cli/report-error.js';
import { captureOutput } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-cli-errors-'));
const at = (name: string): string => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const io = captureOutput();
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  try {
    const code = await main(['node', 'warden', ...args]);
    return { code, out: io.out(), err: io.err() };
  } finally {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    process.exitCode = undefined;
  }
}

const k8sRecords = readFileSync('test/fixtures/k8s/input.jsonl', 'utf8');

beforeAll(async () => {
  writeFileSync(at('bad.json'), '{"id": "x",\n');
  writeFileSync(at('bad.jsonl'), '{"a":1}\n{oops\n');
  writeFileSync(at('bad.yaml'), 'pipeline: [\n');
  writeFileSync(at('empty.json'), '\n');
  writeFileSync(at('not-profile.json'), '[1, 2]\n');
  writeFileSync(at('cut-profile.json'), '{"v":1,"identity":"svc-a","events":3,"maps":{}}\n');
  writeFileSync(at('k8s.jsonl'), k8sRecords);
  mkdirSync(at('policies'));
  writeFileSync(at('policies/broken.yaml'), 'rules: [\n');
  mkdirSync(at('keys'));
  const keys = await run(['keys', 'generate', '--private', at('keys/warden.key'), '--public', at('keys/warden.pub')]);
  expect(keys.code).toBe(0);
});

interface Case {
  name: string;
  args: string[];
  code: string | RegExp;
  exit: 1 | 2;
  env?: Record<string, string>;
  /** Text the message must contain. */
  says?: string;
}

const cases = (): Case[] => [
  { name: 'normalize: missing input file', args: ['normalize', '-i', at('missing.json')], code: 'WARDEN_INPUT_NOT_FOUND', exit: 1, says: at('missing.json') },
  { name: 'normalize: a folder as input', args: ['normalize', '-i', dir], code: 'WARDEN_INPUT_NOT_FOUND', exit: 1 },
  { name: 'normalize: unknown --format', args: ['normalize', '-i', at('k8s.jsonl'), '-f', 'nope'], code: 'WARDEN_USAGE', exit: 2 },
  { name: 'normalize: unknown option', args: ['normalize', '-i', at('k8s.jsonl'), '--fromat', 'k8s'], code: 'WARDEN_USAGE', exit: 2, says: "unknown option '--fromat'" },
  { name: 'normalize: missing required option', args: ['normalize'], code: 'WARDEN_USAGE', exit: 2, says: '--input' },
  { name: 'normalize: a config file with an error', args: ['normalize', '-i', at('k8s.jsonl'), '-c', at('bad.yaml')], code: 'WARDEN_CONFIG_INVALID', exit: 1, says: 'bad.yaml:2' },
  { name: 'normalize: output in a missing folder', args: ['normalize', '-i', at('k8s.jsonl'), '-o', at('no/such/dir/out.jsonl')], code: 'WARDEN_OUTPUT_FAILED', exit: 1 },
  { name: 'normalize: forced format that rejects everything', args: ['normalize', '-i', at('k8s.jsonl'), '-f', 'cloudtrail', '-o', at('n.jsonl'), '-r', at('n-rejects.jsonl')], code: 'WARDEN_INPUT_REJECTED', exit: 1, says: 'auto-detection reads them as k8s' },
  { name: 'replay: missing input file', args: ['replay', '--input', at('missing.json'), '--out', at('d.jsonl')], code: 'WARDEN_INPUT_NOT_FOUND', exit: 1 },
  { name: 'replay: missing --out', args: ['replay', '--input', at('k8s.jsonl')], code: 'WARDEN_USAGE', exit: 2, says: '--out' },
  { name: 'replay: bad --batch-size', args: ['replay', '--input', at('k8s.jsonl'), '--out', at('d.jsonl'), '--batch-size', 'lots'], code: 'WARDEN_USAGE', exit: 2, says: '--batch-size' },
  { name: 'replay: bad --store', args: ['replay', '--input', at('k8s.jsonl'), '--out', at('d.jsonl'), '--store', 'disk'], code: 'WARDEN_USAGE', exit: 2 },
  { name: 'replay: forced format that rejects everything', args: ['replay', '--input', at('k8s.jsonl'), '--out', at('d.jsonl'), '--format', 'github', '--no-progress'], code: 'WARDEN_INPUT_REJECTED', exit: 1, says: 'rejected as github' },
  { name: 'eval: missing decisions file', args: ['eval', '--decisions', at('missing.jsonl'), '--labels', at('missing-labels.jsonl')], code: 'WARDEN_INPUT_NOT_FOUND', exit: 1 },
  { name: 'eval: decisions that are not JSON', args: ['eval', '--decisions', at('bad.jsonl'), '--labels', at('bad.jsonl')], code: 'WARDEN_INPUT_INVALID', exit: 1, says: 'bad.jsonl:2' },
  { name: 'explain: --event @missing.json', args: ['explain', '--event', `@${at('missing.json')}`], code: 'WARDEN_INPUT_NOT_FOUND', exit: 1, says: 'missing.json' },
  { name: 'explain: --event that is not JSON', args: ['explain', '--event', '{bad'], code: /^WARDEN_(USAGE|INPUT_INVALID|EVENT_INVALID)$/, exit: 2 },
  { name: 'verify: missing file', args: ['verify', at('missing.jsonl'), '--public-key', at('keys/warden.pub')], code: /^WARDEN_INPUT_NOT_FOUND$/, exit: 1 },
  { name: 'simulate: --days not a number', args: ['simulate', '--out', at('sim'), '--days', 'abc'], code: 'WARDEN_USAGE', exit: 2, says: '--days' },
  { name: 'simulate: negative --fleet', args: ['simulate', '--out', at('sim'), '--fleet', '-3'], code: 'WARDEN_USAGE', exit: 2 },
  { name: 'config validate: missing file', args: ['config', 'validate', at('missing.yaml')], code: 'WARDEN_CONFIG_NOT_FOUND', exit: 1 },
  { name: 'config validate: YAML error', args: ['config', 'validate', at('bad.yaml')], code: 'WARDEN_CONFIG_INVALID', exit: 1, says: 'bad.yaml:2:1' },
  { name: 'config validate: bad env var value', args: ['config', 'validate'], env: { WARDEN_FAIL_MODE: 'sometimes' }, code: 'WARDEN_CONFIG_INVALID', exit: 1, says: 'environment variable WARDEN_FAIL_MODE: "sometimes" for pipeline.failMode' },
  { name: 'policy validate: missing folder', args: ['policy', 'validate', at('no-policies')], code: 'WARDEN_INPUT_NOT_FOUND', exit: 1 },
  { name: 'policy validate: YAML error', args: ['policy', 'validate', at('policies')], code: 'WARDEN_POLICY_INVALID', exit: 1, says: 'broken.yaml:2' },
  { name: 'policy test: missing folder', args: ['policy', 'test', at('no-policies')], code: /^WARDEN_(INPUT_NOT_FOUND|POLICY_INVALID)$/, exit: 1 },
  { name: 'policy test: YAML error', args: ['policy', 'test', at('policies')], code: 'WARDEN_POLICY_INVALID', exit: 1 },
  { name: 'baseline show: missing profile file', args: ['baseline', 'show', 'svc-a', '--file', at('missing.jsonl')], code: 'WARDEN_INPUT_NOT_FOUND', exit: 1 },
  { name: 'baseline show: profile file that is not JSON', args: ['baseline', 'show', 'svc-a', '--file', at('bad.jsonl')], code: 'WARDEN_INPUT_INVALID', exit: 1, says: 'bad.jsonl:2' },
  { name: 'baseline import: missing file', args: ['baseline', 'import', at('missing.json')], code: 'WARDEN_INPUT_NOT_FOUND', exit: 1, says: 'missing.json' },
  { name: 'baseline import: empty file', args: ['baseline', 'import', at('empty.json')], code: 'WARDEN_INPUT_INVALID', exit: 1, says: 'empty.json is empty' },
  { name: 'baseline import: not JSON', args: ['baseline', 'import', at('bad.json')], code: 'WARDEN_INPUT_INVALID', exit: 1, says: 'not JSON' },
  { name: 'baseline import: JSON that is not a profile', args: ['baseline', 'import', at('not-profile.json')], code: 'WARDEN_INPUT_INVALID', exit: 1, says: 'not a profile written by warden baseline export' },
  { name: 'baseline import: a cut-off profile', args: ['baseline', 'import', at('cut-profile.json')], code: 'WARDEN_INPUT_INVALID', exit: 1, says: 'the profile of svc-a is incomplete or damaged' },
  { name: 'baseline: no subcommand', args: ['baseline'], code: 'WARDEN_USAGE', exit: 2 },
  { name: 'identities report: missing input', args: ['identities', 'report', '--input', at('missing.jsonl')], code: 'WARDEN_INPUT_NOT_FOUND', exit: 1 },
  { name: 'keys generate: existing keys without --force', args: ['keys', 'generate', '--private', at('keys/warden.key'), '--public', at('keys/warden.pub')], code: 'WARDEN_USAGE', exit: 2 },
  { name: 'keys generate: a folder as key file', args: ['keys', 'generate', '--private', at('keys'), '--public', at('keys/other.pub'), '--force'], code: 'WARDEN_FILE_ACCESS', exit: 1 },
  { name: 'block: no signing key', args: ['block', 'svc-a', '--reason', 'test', '--private-key', at('missing.key')], code: 'WARDEN_KEY_INVALID', exit: 1, says: 'warden keys generate' },
  { name: 'block: missing --reason', args: ['block', 'svc-a'], code: 'WARDEN_USAGE', exit: 2 },
  { name: 'unblock: no signing key', args: ['unblock', 'svc-a', '--private-key', at('missing.key')], code: 'WARDEN_KEY_INVALID', exit: 1 },
  { name: 'topics create: --partitions not a number (checked before any broker is contacted)', args: ['topics', 'create', '--partitions', 'many'], code: 'WARDEN_USAGE', exit: 2 },
  { name: 'train: missing input', args: ['train', '-i', at('missing.jsonl'), '-o', at('model')], code: 'WARDEN_INPUT_NOT_FOUND', exit: 1 },
  { name: 'feedback: missing decisions file', args: ['feedback', '--decision', 'd-1', '--decisions', at('missing.jsonl'), '--benign', '--file', at('fb.jsonl')], code: 'WARDEN_INPUT_NOT_FOUND', exit: 1 },
  { name: 'unknown command', args: ['frobnicate'], code: 'WARDEN_USAGE', exit: 2 },
];

describe('every command reports bad input as WARDEN_<CODE> message, without a stack trace', () => {
  it.each(cases().map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await run(c.args, c.env);
    const first = r.err.split('\n').find((l) => /^WARDEN_[A-Z_]+ /.test(l));
    expect(first, r.err).toBeDefined();
    const code = (first ?? '').split(' ')[0] ?? '';
    if (typeof c.code === 'string') expect(code, r.err).toBe(c.code);
    else expect(code, r.err).toMatch(c.code);
    expect(r.code, r.err).toBe(c.exit);
    expect(r.err + r.out).not.toMatch(/^\s+at /m);
    expect(r.err).not.toMatch(/\[Error|Error: |errno:|syscall:/);
    if (c.says) expect(r.err).toContain(c.says);
  });
});

describe('a truncated gzip input', () => {
  // Kubernetes records, repeated and made distinct, so the compressed stream is long enough to cut.
  const records = k8sRecords.split('\n').filter(Boolean);
  const lines = Array.from({ length: 300 }, (_, i) => {
    const r = JSON.parse(records[i % records.length] ?? '{}') as Record<string, unknown>;
    return JSON.stringify({ ...r, auditID: `cut-${i}`, stage: 'ResponseComplete' });
  });
  const whole = gzipSync(`${lines.join('\n')}\n`);
  const cut = at('cut.jsonl.gz');

  beforeAll(() => writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6))));

  it('normalize keeps every complete record, then says WARDEN_INPUT_TRUNCATED and exits 1', async () => {
    const wholeRun = await run(['normalize', '-i', at('whole.gz'), '-o', at('whole.jsonl')]);
    expect(wholeRun.code).toBe(1); // not written yet: proves the file name is checked
    writeFileSync(at('whole.gz'), whole);
    expect((await run(['normalize', '-i', at('whole.gz'), '-o', at('whole.jsonl'), '-r', at('whole-rejects.jsonl')])).code).toBe(0);
    const all = readFileSync(at('whole.jsonl'), 'utf8').split('\n').filter(Boolean);

    const r = await run(['normalize', '-i', cut, '-o', at('cut.jsonl'), '-r', at('cut-rejects.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^WARDEN_INPUT_TRUNCATED .*truncated gzip file/m);
    expect(r.err).not.toMatch(/^\s+at /m);
    const kept = readFileSync(at('cut.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(kept.length).toBeGreaterThan(50);
    expect(kept.length).toBeLessThan(all.length);
    // The same events a whole file gives, in order, and no reject for the cut record.
    expect(kept).toEqual(all.slice(0, kept.length));
    // The rejects of the records before the cut, as in the whole file; the cut record is not one.
    const raws = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { raw: string }).raw);
    const cutRejects = raws(at('cut-rejects.jsonl'));
    expect(cutRejects).toEqual(raws(at('whole-rejects.jsonl')).slice(0, cutRejects.length));
    expect(readFileSync(at('cut-rejects.jsonl'), 'utf8')).not.toContain('MALFORMED_JSON');
    expect(r.err).toMatch(/the \d+ complete records before the cut were read/);
  });

  it('replay decides every complete record, writes the decisions, then exits 1 with WARDEN_INPUT_TRUNCATED', async () => {
    const r = await run(['replay', '--input', cut, '--out', at('cut-decisions.jsonl'), '--no-policies', '--no-progress']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^WARDEN_INPUT_TRUNCATED /m);
    const decisions = readFileSync(at('cut-decisions.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { eventId: string }).eventId);
    // One decision for each event normalize keeps from the same cut file (normalized here, into
    // files of this test's own: the normalize test above checks that run itself).
    await run(['normalize', '-i', cut, '-o', at('cut-replayed.jsonl'), '-r', at('cut-replayed-rejects.jsonl')]);
    const events = readFileSync(at('cut-replayed.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
    expect(events.length).toBeGreaterThan(50);
    expect(decisions).toEqual(events);
  });
});

describe('replay --out -', () => {
  it('writes the decisions to stdout and the summary to stderr, not to a file named -', async () => {
    const r = await run(['replay', '--input', at('k8s.jsonl'), '--out', '-', '--no-policies', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('verdict');
    expect(r.err).toMatch(/events in .*allow/);
  });
});

describe('describeError', () => {
  it('names an unanticipated error WARDEN_UNEXPECTED with its message and a hint, never its stack', () => {
    const report = describeError(new TypeError('x is not a function'));
    expect(report).toMatchObject({ code: 'WARDEN_UNEXPECTED', exitCode: 1, message: 'TypeError: x is not a function' });
    expect(formatErrorReport(report)).toBe('WARDEN_UNEXPECTED TypeError: x is not a function\nhint: run again with WARDEN_DEBUG=1 for the stack trace, and please report it\n');
  });

  it('tells a file that cannot be written from one that does not exist', () => {
    const write = Object.assign(new Error('EACCES'), { code: 'EACCES', syscall: 'mkdir', path: '/x/y' });
    expect(describeError(write)).toMatchObject({ code: 'WARDEN_OUTPUT_FAILED', message: 'cannot write /x/y: permission denied' });
    const read = Object.assign(new Error('ENOENT'), { code: 'ENOENT', syscall: 'open', path: join(dir, 'nope.json') });
    expect(describeError(read)).toMatchObject({ code: 'WARDEN_INPUT_NOT_FOUND', exitCode: 1 });
  });
});
