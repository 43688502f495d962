import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { canonicalEventName } from '../../../src/events/formats/cloudtrail.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-normalize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let stderr = '';
beforeEach(() => {
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    stderr += `${args.join(' ')}\n`;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

const run = (...args: string[]): Promise<number> => main(['node', 'warden', 'normalize', ...args]);
const readNdjson = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

const real = (name: string): string => readFileSync(join('test/fixtures/real-audit', name), 'utf8');

describe('warden normalize', () => {
  it('normalizes a gzip file, writes rejects with reason/origin/raw, and exits 0 with rejects', async () => {
    const input = join(dir, 'mixed.gz');
    const broken = '{"eventVersion":"1.08",';
    writeFileSync(input, gzipSync(`${real('k8s-audit.jsonl')}${broken}\n${real('github-audit.jsonl')}`));
    const out = join(dir, 'out.ndjson');
    const rejects = join(dir, 'rejects.ndjson');
    expect(await run('--input', input, '--out', out, '--rejects', rejects)).toBe(0);
    const events = readNdjson(out);
    expect(events).toHaveLength(28 + 34);
    expect(new Set(events.map((e) => e.sourceFormat))).toEqual(new Set(['k8s', 'github']));
    expect(readNdjson(rejects)).toEqual([
      { reason: 'MALFORMED_JSON', message: expect.stringContaining('not valid JSON') as unknown, format: null, origin: { file: input, line: 29 }, raw: broken },
    ]);
    expect(stderr).toContain('events   62 (github 34, k8s 28)');
    expect(stderr).toContain('rejects  1 (MALFORMED_JSON 1)');
  });

  it('reads a pretty-printed CloudTrail log file and a JSON array', async () => {
    const records = real('cloudtrail.jsonl').split('\n').filter(Boolean).slice(0, 5).map((l) => JSON.parse(l) as unknown);
    const ct = join(dir, 'trail.json');
    writeFileSync(ct, JSON.stringify({ Records: records }, null, 2));
    const out = join(dir, 'trail.ndjson');
    expect(await run('-i', ct, '-o', out, '-r', join(dir, 'r1.ndjson'))).toBe(0);
    // Actions are canonical: `<service>:<eventName>` without an API version suffix (docs/formats.md).
    expect(readNdjson(out).map((e) => e.action)).toEqual(records.map((r) => `${String((r as { eventSource: string }).eventSource).replace('.amazonaws.com', '')}:${canonicalEventName((r as { eventName: string }).eventName)}`));
  });

  it('forces a format, reports records of another format as rejects, and says what they are', async () => {
    const input = join(dir, 'pg.log');
    writeFileSync(input, real('pgaudit.log'));
    const out = join(dir, 'pg.ndjson');
    const rejects = join(dir, 'pg-rejects.ndjson');
    expect(await run('-i', input, '-o', out, '-r', rejects, '--format', 'github')).toBe(1);
    expect(readNdjson(out)).toHaveLength(0);
    expect(readNdjson(rejects)).toHaveLength(114);
    expect(stderr).toContain('WARDEN_INPUT_REJECTED all 114 records were rejected as github; auto-detection reads them as pgaudit');
    expect(stderr).toContain('try --format auto');
    expect(await run('-i', input, '-o', out, '-r', rejects, '--format', 'pgaudit')).toBe(0);
    expect(readNdjson(out)).toHaveLength(114);
  });

  it('uses generic mappings from the config file', async () => {
    const config = join(dir, 'warden.yaml');
    writeFileSync(config, 'events:\n  mappings:\n    - name: vault\n      detect: [{ field: request.path }]\n      actionPrefix: vault\n      fields: { time: time, identity: auth.display_name, action: request.operation, resource: request.path }\n');
    const input = join(dir, 'vault.jsonl');
    writeFileSync(input, '{"time":"2026-11-20T02:00:00Z","auth":{"display_name":"approle-ci"},"request":{"operation":"read","path":"secret/x"}}\n');
    const out = join(dir, 'vault.ndjson');
    expect(await run('-i', input, '-o', out, '-c', config, '-f', 'vault')).toBe(0);
    expect(readNdjson(out)[0]).toMatchObject({ identity: { id: 'approle-ci' }, action: 'vault:read', resource: 'secret/x', sourceFormat: 'vault' });
  });

  it('exits 2 on a usage error and 1 on a missing input file', async () => {
    expect(await run('-i', join(dir, 'pg.log'), '--format', 'syslog')).toBe(2);
    expect(stderr).toContain('unknown --format "syslog"');
    expect(await run('-i', join(dir, 'nope.jsonl'), '-o', join(dir, 'x.ndjson'))).toBe(1);
    expect(stderr).toContain('WARDEN_INPUT_NOT_FOUND');
  });

  it('exits 1 when the output cannot be written', async () => {
    expect(await run('-i', join(dir, 'pg.log'), '-o', join(dir, 'no-such-dir', 'out.ndjson'))).toBe(1);
    expect(stderr).toContain('WARDEN_OUTPUT_FAILED');
  });
});
