/** docs/sigma.md and docs/reason-codes.md say what the engine does: modifiers, skipped ones, level weights, the SIGMA code family. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { REASON_CODE_FAMILIES } from '../../../src/decisions/reason-codes.js';
import { SIGMA_LEVELS, TIER_OF_LEVEL } from '../../../src/sigma/index.js';
import { NOT_SUPPORTED, SUPPORTED_MODIFIERS } from '../../../src/sigma/values.js';

const sigmaDoc = readFileSync('docs/sigma.md', 'utf8');
const section = (title: string): string => {
  const start = sigmaDoc.indexOf(`## ${title}`);
  expect(start, title).toBeGreaterThanOrEqual(0);
  const end = sigmaDoc.indexOf('\n## ', start + 3);
  return sigmaDoc.slice(start, end < 0 ? undefined : end);
};

describe('docs/sigma.md', () => {
  it('lists every supported modifier in the modifiers table, and nothing else', () => {
    const table = section('What is evaluated').split('### Modifiers')[1]!.split('### Conditions')[0]!;
    const documented = [...table.matchAll(/^\| (.+?) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([a-z0-9]+)`/g)].map((x) => x[1]!)).filter((m) => m !== 'modifier');
    expect(documented.sort()).toEqual([...SUPPORTED_MODIFIERS].sort());
  });

  it('names every modifier the engine skips', () => {
    const skipped = section('What is skipped, and why');
    for (const m of Object.keys(NOT_SUPPORTED)) expect(skipped, m).toContain(m.startsWith('utf16') ? 'utf16*' : `\`${m}\``);
  });

  it('gives each level its tier and the default weight of that tier', () => {
    const weights = parseConfig('{}', 't').knowledge.weights;
    const table = section('Level → weight');
    for (const level of SIGMA_LEVELS) {
      const tier = TIER_OF_LEVEL[level];
      expect(table).toContain(`| \`${level}\` | ${tier ?? '—'} | ${tier ? weights[tier] : 0} |`);
    }
  });
});

describe('docs/reason-codes.md', () => {
  it('documents every reason code family', () => {
    const doc = readFileSync('docs/reason-codes.md', 'utf8');
    for (const prefix of Object.keys(REASON_CODE_FAMILIES)) expect(doc).toMatch(new RegExp(`^\\| \`${prefix}<[a-z ]+>\` \\| .+ \\|$`, 'm'));
  });
});
