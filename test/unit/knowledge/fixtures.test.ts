/**
 * Every entry of the shipped pack against real or realistic records that go through the real
 * normalizer. Each line of `test/fixtures/knowledge/<source>.jsonl` names the entries the record
 * must fire (`fires`) and those it must not (`not`: the benign variant), and optionally the
 * sensitivity (`tier/category`) the action must get.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNormalizer } from '../../../src/events/index.js';
import { DEFAULT_KNOWLEDGE_DIR, loadKnowledgeDir, TIER_RANK } from '../../../src/knowledge/index.js';

interface FixtureRow {
  fires: string[];
  not: string[];
  sensitivity?: string;
  note?: string;
  record: unknown;
}

const DIR = 'test/fixtures/knowledge';
const pack = loadKnowledgeDir(DEFAULT_KNOWLEDGE_DIR);
const normalize = createNormalizer();
const files = readdirSync(DIR).filter((f) => f.endsWith('.jsonl')).sort();
const rows = files.flatMap((file) =>
  readFileSync(join(DIR, file), 'utf8')
    .split('\n')
    .map((text, i) => ({ text, where: `${file}:${i + 1}` }))
    .filter(({ text }) => text.trim() !== '')
    .map(({ text, where }) => ({ where, row: JSON.parse(text) as FixtureRow })),
);

function eventsOf(row: FixtureRow) {
  const input = typeof row.record === 'string' ? row.record : JSON.stringify(row.record);
  const result = normalize(input, { file: 'fixture' });
  expect(result.rejects).toEqual([]);
  expect(result.events.length).toBe(1);
  return result.events;
}

describe('knowledge pack fixtures', () => {
  it.each(rows.map((r) => [`${r.where} ${r.row.note ?? ''}`, r.row] as const))('%s', (_name, row) => {
    const [event] = eventsOf(row);
    if (!event) throw new Error('no event');
    const hits = pack.match(event);
    const ids = hits.map((h) => h.entry);
    for (const id of row.fires) expect(ids, `${id} should fire for ${event.action}`).toContain(id);
    for (const id of row.not) expect(ids, `${id} should not fire for ${event.action}`).not.toContain(id);
    for (const hit of hits) {
      expect(hit.detail.length).toBeGreaterThan(0);
      expect(hit.detail).not.toMatch(/\{[A-Za-z.|]+\}/);
    }
    // One pass gives both: the hits, most severe first, and a sensitivity of the first hit's tier.
    const known = pack.classify(event);
    expect(known.hits).toEqual(hits);
    const ranks = hits.map((h) => TIER_RANK[h.tier]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    if (hits.length > 0) expect(known.sensitivity?.tier).toBe(hits[0]?.tier);
    if (row.sensitivity) {
      const s = pack.sensitivity(event);
      expect(s && `${s.tier}/${s.category}`).toBe(row.sensitivity);
    }
  });

  it('names only entries that exist in the pack', () => {
    const known = new Set(pack.entries.map((e) => e.id));
    const named = rows.flatMap((r) => [...r.row.fires, ...r.row.not]);
    expect(named.filter((id) => !known.has(id))).toEqual([]);
  });

  it('has a positive record for every entry of the pack', () => {
    const covered = new Set(rows.flatMap((r) => r.row.fires));
    expect(pack.entries.map((e) => e.id).filter((id) => !covered.has(id))).toEqual([]);
  });
});
