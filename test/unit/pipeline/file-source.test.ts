import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../../src/pipeline/file-source.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-file-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(path: string, options = {}): Promise<Array<{ record: string; line?: number }>> {
  const out: Array<{ record: string; line?: number }> = [];
  for await (const r of readRecords(path, options)) out.push({ record: r.record, line: r.origin.line });
  return out;
}

describe('readRecords', () => {
  const ndjson = '{"a":1}\n{"b":2}\n';
  it('reads plain files with file and line origins', async () => {
    const file = join(dir, 'plain.jsonl');
    writeFileSync(file, ndjson);
    const records: Array<{ record: string; origin: object }> = [];
    for await (const r of readRecords(file)) records.push(r);
    expect(records).toEqual([
      { record: '{"a":1}', origin: { file, line: 1 } },
      { record: '{"b":2}', origin: { file, line: 2 } },
    ]);
  });
  it('reads gzip files whatever their name', async () => {
    const file = join(dir, 'events.log');
    writeFileSync(file, gzipSync(ndjson));
    expect(await collect(file)).toEqual([{ record: '{"a":1}', line: 1 }, { record: '{"b":2}', line: 2 }]);
  });
  it('reads concatenated gzip members', async () => {
    const file = join(dir, 'multi.gz');
    writeFileSync(file, Buffer.concat([gzipSync('{"a":1}\n'), gzipSync('{"b":2}\n')]));
    expect((await collect(file)).map((r) => r.record)).toEqual(['{"a":1}', '{"b":2}']);
  });
  it('reads stdin, gzip or not', async () => {
    expect(await collect('-', { stdin: Readable.from([Buffer.from(ndjson)]) })).toHaveLength(2);
    expect(await collect('-', { stdin: Readable.from([gzipSync(ndjson)]) })).toHaveLength(2);
  });
  it('keeps multi-byte characters split across chunks intact', async () => {
    const file = join(dir, 'utf8.jsonl');
    const text = `{"name":"${'é€😀'.repeat(100_000)}"}\n`;
    writeFileSync(file, text);
    expect((await collect(file))[0]?.record).toBe(text.trim());
  });
  it('fails with WARDEN_INPUT_NOT_FOUND for a missing file or a directory', async () => {
    await expect(collect(join(dir, 'missing.jsonl'))).rejects.toMatchObject({ code: 'WARDEN_INPUT_NOT_FOUND' });
    await expect(collect(dir)).rejects.toMatchObject({ code: 'WARDEN_INPUT_NOT_FOUND' });
  });
  it('fails with WARDEN_INPUT_INVALID on a corrupt gzip file', async () => {
    const file = join(dir, 'corrupt.gz');
    // A whole gzip stream whose CRC-32 trailer does not match the data.
    const bytes = Buffer.from(gzipSync(ndjson));
    bytes[bytes.length - 6] = (bytes[bytes.length - 6] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    await expect(collect(file)).rejects.toMatchObject({ code: 'WARDEN_INPUT_INVALID' });
  });

  describe('a truncated gzip file', () => {
    // 400 records of ~120 bytes: random-ish payloads so the compressed stream is long enough to cut.
    const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({ i, pad: `${i}`.repeat(30 + (i % 17)), salt: ((i * 2654435761) % 4294967296).toString(36) }));
    const whole = gzipSync(`${lines.join('\n')}\n`);
    const cutFile = join(dir, 'cut.jsonl.gz');
    writeFileSync(cutFile, whole.subarray(0, Math.floor(whole.length / 2)));

    it('yields every complete record before the cut, then reports WARDEN_INPUT_TRUNCATED', async () => {
      const got: string[] = [];
      let error: unknown;
      try {
        for await (const r of readRecords(cutFile)) got.push(r.record);
      } catch (err) {
        error = err;
      }
      expect(error).toMatchObject({ code: 'WARDEN_INPUT_TRUNCATED' });
      expect((error as Error).message).toMatch(/truncated gzip file.*the \d+ complete records before the cut were read/);
      expect(got.length).toBeGreaterThan(50);
      expect(got.length).toBeLessThan(400);
      // Only complete records, in order, each exactly as written: the partial one is dropped.
      expect(got).toEqual(lines.slice(0, got.length));
    });

    it('hands the error to onTruncated instead of throwing, after the last complete record', async () => {
      const got: string[] = [];
      const seen: unknown[] = [];
      for await (const r of readRecords(cutFile, { onTruncated: (err: unknown) => seen.push({ err, after: got.length }) })) got.push(r.record);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ err: { code: 'WARDEN_INPUT_TRUNCATED' }, after: got.length });
      expect(got).toEqual(lines.slice(0, got.length));
      expect((seen[0] as { err: Error }).err.message).toContain(`the ${got.length} complete records`);
    });

    it('reads a whole gzip file without any truncation report', async () => {
      const file = join(dir, 'whole.jsonl.gz');
      writeFileSync(file, whole);
      const seen: unknown[] = [];
      expect(await collect(file, { onTruncated: (err: unknown) => seen.push(err) })).toHaveLength(400);
      expect(seen).toEqual([]);
    });
  });
});
