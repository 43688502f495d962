import type { CliRun } from '../../helpers/cli.js';
import { runCli } from '../../helpers/cli.js';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/identity/load.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-identities-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REAL = 'test/fixtures/real-audit';
const logs = join(dir, 'all.log');
writeFileSync(logs, ['cloudtrail.jsonl', 'k8s-audit.jsonl', 'gcp-audit.jsonl', 'github-audit.jsonl', 'pgaudit.log'].map((f) => readFileSync(join(REAL, f), 'utf8').trimEnd()).join('\n') + '\n');

const run = runCli;

interface Decision {
  identity: string;
  verdict: string;
  reasons: Array<{ code: string; weight: number }>;
}

function decisions(file: string): Decision[] {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Decision);
}

// The inventory `identities init` drafts from the logs, drafted once for the whole file: several
// tests read it, none changes it (a test that changes an inventory works on a copy of its own).
const inventory = join(dir, 'identities.yaml');
let init: CliRun;
beforeAll(async () => {
  init = await run('identities', 'init', '--input', logs, '--out', inventory);
});

describe('warden identities init', () => {
  it('drafts an inventory from real audit records of every format, after which a replay raises no UNKNOWN_IDENTITY', async () => {
    const before = join(dir, 'before.jsonl');
    expect((await run('replay', '--input', logs, '--out', before, '--no-progress')).code).toBe(0);
    const unknownBefore = decisions(before).filter((d) => d.reasons.some((r) => r.code === 'UNKNOWN_IDENTITY')).length;
    expect(unknownBefore).toBeGreaterThan(100);

    // The init run is the beforeAll's, whose inventory the other tests share (and none changes).
    expect(init.code).toBe(0);
    expect(init.out).toMatch(/^wrote .*identities\.yaml: \d+ identities from \d+ events/);
    const drafted = loadInventory(inventory);
    expect(drafted.records.length).toBeGreaterThan(100);
    expect(drafted.records.every((r) => r.verified === false)).toBe(true);
    // Kubernetes, GCP and AWS owners come from namespace, project and account.
    expect(drafted.exact.get('system:serviceaccount:kube-system:coredns')?.owner).toBe('kube-system');
    expect(drafted.exact.get('some-project@company.iam.gserviceaccount.com')?.owner).toBe('gcp-project:company');
    expect(drafted.exact.get('arn:aws:iam::123456789012:role/tester')?.owner).toBe('aws-account:123456789012');

    const after = join(dir, 'after.jsonl');
    expect((await run('replay', '--input', logs, '--identities', inventory, '--out', after, '--no-progress')).code).toBe(0);
    const ds = decisions(after);
    const codes = new Set(ds.flatMap((d) => d.reasons.map((r) => r.code)));
    expect(codes.has('UNKNOWN_IDENTITY')).toBe(false);
    expect(codes.has('UNOWNED_TOKEN')).toBe(false);
    expect(codes.has('UNVERIFIED_OWNER')).toBe(true);
    // An unverified owner never alerts by itself: events whose only reason is it are allowed.
    const onlyUnverified = ds.filter((d) => d.reasons.length > 0 && d.reasons.every((r) => r.code === 'UNVERIFIED_OWNER'));
    expect(onlyUnverified.length).toBeGreaterThan(0);
    expect(onlyUnverified.every((d) => d.verdict === 'allow')).toBe(true);
    expect(ds.filter((d) => d.verdict !== 'allow').length).toBeLessThan(decisions(before).filter((d) => d.verdict !== 'allow').length);
  });

  it('never overwrites an existing file without --force, and exits 2 saying so', async () => {
    // A copy of the drafted inventory, of the same name, that only this test writes.
    const own = join(dir, 'overwrite');
    mkdirSync(own, { recursive: true });
    const copy = join(own, 'identities.yaml');
    copyFileSync(inventory, copy);
    const text = readFileSync(copy, 'utf8');
    const again = await run('identities', 'init', '--input', logs, '--out', copy);
    expect(again.code).toBe(2);
    expect(again.err).toContain('WARDEN_USAGE');
    expect(again.err).toContain('--force');
    writeFileSync(copy, 'identities: []\n');
    expect((await run('identities', 'init', '--input', logs, '--out', copy, '--force')).code).toBe(0);
    expect(readFileSync(copy, 'utf8')).toBe(text);
  });

  it('drafts only what an existing inventory lacks with --skip-known', async () => {
    const known = join(dir, 'known.yaml');
    writeFileSync(known, 'identities:\n  - { id: "system:serviceaccount:kube-system:*", owner: team-platform }\n');
    const out = join(dir, 'new.yaml');
    const res = await run('identities', 'init', '--input', logs, '--out', out, '--skip-known', known);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/2 already known left out/);
    expect(loadInventory(out).records.some((r) => r.id.startsWith('system:serviceaccount:kube-system:'))).toBe(false);
  });

  it('rejects input with no readable events and a bad --group-min', async () => {
    const empty = join(dir, 'empty.log');
    writeFileSync(empty, 'not an audit record\n');
    expect((await run('identities', 'init', '--input', empty, '--out', join(dir, 'x.yaml'))).code).toBe(1);
    expect((await run('identities', 'init', '--input', logs, '--out', join(dir, 'y.yaml'), '--group-min', '1')).code).toBe(2);
  });
});

describe('warden identities report', () => {
  it('names the inventory it read on its first line and marks unverified owners', async () => {
    const res = await run('identities', 'report', '--input', logs, '--identities', inventory);
    expect(res.code).toBe(0);
    expect(res.out.split('\n')[0]).toMatch(/^inventory .*identities\.yaml \(\d+ entries\)$/);
    expect(res.out).toContain('(unverified)');
    const json = JSON.parse((await run('identities', 'report', '--input', logs, '--identities', inventory, '--json')).out) as { inventory: string };
    expect(json.inventory).toBe(inventory);
  });
});
