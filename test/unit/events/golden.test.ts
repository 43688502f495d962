/**
 * Golden fixtures: realistic records per format (written from each format's documentation)
 * and the normalized output a user gets for each line, compared field by field.
 * Regenerate after an intended mapping change with `UPDATE_GOLDEN=1 npx vitest run golden`
 * and review the diff.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNormalizer } from '../../../src/events/index.js';
import type { NormalizeResult } from '../../../src/events/index.js';

const ROOT = 'test/fixtures';
const FORMATS = ['cloudtrail', 'k8s', 'github', 'gcp', 'ocsf', 'pgaudit', 'warden', 'generic', 'errors'];

function inputOf(dir: string): string {
  const name = readdirSync(dir).find((f) => f.startsWith('input.'));
  if (!name) throw new Error(`no input file in ${dir}`);
  return join(dir, name);
}

describe.each(FORMATS)('golden fixtures: %s', (format) => {
  const dir = join(ROOT, format);
  const input = inputOf(dir);
  const configFile = join(dir, 'config.json');
  const events = existsSync(configFile) ? (JSON.parse(readFileSync(configFile, 'utf8')) as object) : {};
  const normalize = createNormalizer({ events });
  const lines = readFileSync(input, 'utf8').split('\n');
  const actual: Array<{ line: number } & NormalizeResult> = [];
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    actual.push({ line: i + 1, ...normalize(text, { file: `${format}/${input.split('/').pop()}`, line: i + 1 }) });
  });
  const expectedFile = join(dir, 'expected.json');
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
  const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as typeof actual;

  it('has an expected result for every input line', () => {
    expect(actual.map((r) => r.line)).toEqual(expected.map((r) => r.line));
  });
  it.each(expected.map((e, i) => [e.line, i] as const))('line %i normalizes as expected', (_line, i) => {
    expect(actual[i]).toEqual(expected[i]);
  });
});
