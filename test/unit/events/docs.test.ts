import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REJECT_REASONS } from '../../../src/events/index.js';

describe('docs/formats.md', () => {
  it('lists exactly the reject reasons the normalizers can give', () => {
    const text = readFileSync('docs/formats.md', 'utf8');
    const documented = [...text.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(REJECT_REASONS).sort());
  });
});
