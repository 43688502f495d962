import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordFramer } from '../../../src/pipeline/record-framer.js';
import type { FramedRecord } from '../../../src/pipeline/record-framer.js';

function frame(text: string, chunkSize = text.length || 1): FramedRecord[] {
  const f = new RecordFramer();
  const out: FramedRecord[] = [];
  for (let i = 0; i < text.length; i += chunkSize) out.push(...f.push(text.slice(i, i + chunkSize)));
  out.push(...f.end());
  return out;
}

describe('RecordFramer', () => {
  it('splits NDJSON by line; a broken line costs only itself', () => {
    expect(frame('{"a":1}\n{"b":2}\n\n{"c":\n{"d":4}\n')).toEqual([
      { record: '{"a":1}', line: 1 },
      { record: '{"b":2}', line: 2 },
      { record: '{"c":', line: 4 },
      { record: '{"d":4}', line: 5 },
    ]);
  });
  it('reads pretty-printed JSON documents as one record each', () => {
    expect(frame('{\n "a": 1\n}\n{\n "b": [1,2]\n}')).toEqual([
      { record: '{\n "a": 1\n}', line: 1 },
      { record: '{\n "b": [1,2]\n}', line: 4 },
    ]);
  });
  it('streams a pretty CloudTrail Records file element by element', () => {
    expect(frame('{\n  "Records": [\n    {"x": 1},\n    {"y": "}"}\n  ]\n}\n')).toEqual([
      { record: '{"x": 1}', line: 3 },
      { record: '{"y": "}"}', line: 4 },
    ]);
  });
  it('streams one-line Records documents and keeps reading lines after them', () => {
    expect(frame('{"Records":[{"x":1},{"y":2}]}\n{"z":3}\n')).toEqual([
      { record: '{"x":1}', line: 1 },
      { record: '{"y":2}', line: 1 },
      { record: '{"z":3}', line: 2 },
    ]);
  });
  it('streams the elements of a top-level JSON array, scalars included', () => {
    expect(frame('[\n {"a":1},\n {"b":2}, 3, "s"\n]\n')).toEqual([
      { record: '{"a":1}', line: 2 },
      { record: '{"b":2}', line: 3 },
      { record: '3', line: 3 },
      { record: '"s"', line: 3 },
    ]);
  });
  it('treats non-JSON lines (pgaudit) as records, braces in them included', () => {
    expect(frame('2026 LOG:  AUDIT: SESSION,1,"a{"\r\n{"j":1}\n')).toEqual([
      { record: '2026 LOG:  AUDIT: SESSION,1,"a{"', line: 1 },
      { record: '{"j":1}', line: 2 },
    ]);
  });
  it('cuts records longer than the limit instead of growing without bound', () => {
    const f = new RecordFramer({ maxRecordChars: 10 });
    const out = [...f.push(`{"a":"${'x'.repeat(100)}"}\n{"b":1}\n`), ...f.end()];
    expect(out).toEqual([{ record: '{"a":"xxxx', line: 1 }, { record: '{"b":1}', line: 2 }]);
  });
  it('frames the same whatever the chunk boundaries', () => {
    const docs = [
      '{"a":"\\"}{"}\n{"b":[1,{"c":2}]}\n',
      '{\n "Records": [\n {"x": "]"},\n {"y": 2}\n ]\n}\n',
      '[{"a":1},\n{"b":2}]\n',
      'x AUDIT: a,b\n{"c":1}\n',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...docs), fc.integer({ min: 1, max: 17 }), (doc, size) => {
        expect(frame(doc, size)).toEqual(frame(doc));
      }),
    );
  });

  it('returns exactly the records of any NDJSON file, never throwing on arbitrary text', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 8 }), fc.integer({ min: 1, max: 50 }), (objects, size) => {
        const lines = objects.map((o) => JSON.stringify(o));
        expect(frame(lines.map((l) => `${l}\n`).join(''), size).map((r) => r.record)).toEqual(lines);
      }),
    );
    fc.assert(fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 1, max: 9 }), (text, size) => {
      frame(text, size);
    }));
  });
});
