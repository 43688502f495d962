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
  it('fails with WARDEN_INPUT_NOT_FOUND on a corrupt gzip file', async () => {
    const file = join(dir, 'corrupt.gz');
    writeFileSync(file, Buffer.concat([gzipSync(ndjson).subarray(0, 12), Buffer.from('garbage')]));
    await expect(collect(file)).rejects.toMatchObject({ code: 'WARDEN_INPUT_NOT_FOUND' });
  });
});
