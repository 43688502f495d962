import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RotatingNdjsonFile } from '../../../src/ocsf-out/file-sink.js';

describe('RotatingNdjsonFile', () => {
  it('rotates by size, keeps `keep` rotated files and loses no line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-findings-'));
    const path = join(dir, 'out', 'findings.ndjson');
    const file = new RotatingNdjsonFile({ path, maxBytes: 1024, keep: 2 });
    const line = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(90) }); // ~100 bytes
    for (let batch = 0; batch < 5; batch++) await file.append(Array.from({ length: 10 }, (_, k) => line(batch * 10 + k)));
    await file.close();
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['findings.ndjson', 'findings.ndjson.1', 'findings.ndjson.2']);
    const read = (p: string) => readFileSync(p, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
    const newest = read(path);
    const one = read(`${path}.1`);
    const two = read(`${path}.2`);
    for (const p of [path, `${path}.1`, `${path}.2`]) expect(readFileSync(p).length).toBeLessThanOrEqual(1024);
    // Order is kept across files: .2 is the oldest kept, then .1, then the live file, ending at 49.
    const kept = [...two, ...one, ...newest];
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => 50 - kept.length + k));
  });

  it('appends to an existing file and counts its size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-findings-'));
    const path = join(dir, 'f.ndjson');
    const a = new RotatingNdjsonFile({ path, maxBytes: 1_000_000, keep: 1 });
    await a.append(['{"a":1}']);
    await a.close();
    const b = new RotatingNdjsonFile({ path, maxBytes: 1_000_000, keep: 1 });
    await b.append(['{"b":2}']);
    await b.close();
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"b":2}\n');
  });

  it('says which file it cannot write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-findings-'));
    writeFileSync(join(dir, 'a-file'), '');
    const path = join(dir, 'a-file', 'findings.ndjson');
    const file = new RotatingNdjsonFile({ path, maxBytes: 1024, keep: 1 });
    await expect(file.append(['{}'])).rejects.toMatchObject({ code: 'WARDEN_OUTPUT_FAILED', message: expect.stringContaining(path) as string });
  });
});
