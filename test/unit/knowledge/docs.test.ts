/**
 * docs/detections.md lists every entry of the shipped pack, one table line each, and nothing else.
 * Regenerate the table after changing the pack with `UPDATE_DOCS=1 npx vitest run knowledge/docs`
 * and review the diff.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KNOWLEDGE_DIR, loadKnowledgeDir } from '../../../src/knowledge/index.js';
import type { CompiledEntry } from '../../../src/knowledge/index.js';

const DOC = 'docs/detections.md';
const START = '<!-- entries:start (generated from config/knowledge; see test/unit/knowledge/docs.test.ts) -->';
const END = '<!-- entries:end -->';
const pack = loadKnowledgeDir(DEFAULT_KNOWLEDGE_DIR);

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const row = (e: CompiledEntry): string =>
  `| \`${e.id}\` | ${e.source} | ${e.actions.map((a) => `\`${cell(a)}\``).join(', ')} | ${cell(e.explain) || 'always'} | ${e.tactic} | ${e.technique} | ${e.tier} |`;

function table(): string {
  return ['| id | source | actions | condition | tactic | technique | tier |', '|---|---|---|---|---|---|---|', ...pack.entries.map(row)].join('\n');
}

function documented(text: string): Array<{ id: string; tier: string }> {
  return [...text.matchAll(/^\| `([a-z0-9.-]+)` \|.*\| ([a-z]+) \|$/gm)].map((m) => ({ id: m[1] ?? '', tier: m[2] ?? '' }));
}

describe('docs/detections.md', () => {
  let text = readFileSync(DOC, 'utf8');
  if (process.env.UPDATE_DOCS === '1') {
    const from = text.indexOf(START);
    const to = text.indexOf(END);
    if (from === -1 || to === -1) throw new Error(`${DOC} needs the ${START} and ${END} markers`);
    text = `${text.slice(0, from + START.length)}\n${table()}\n${text.slice(to)}`;
    writeFileSync(DOC, text);
  }

  it('lists exactly the entry ids of the pack', () => {
    expect(documented(text).map((d) => d.id).sort()).toEqual(pack.entries.map((e) => e.id).sort());
  });

  it('gives each entry the tier the pack gives it', () => {
    const tiers = new Map(pack.entries.map((e) => [e.id, e.tier]));
    expect(documented(text).filter((d) => tiers.get(d.id) !== d.tier)).toEqual([]);
  });
});
