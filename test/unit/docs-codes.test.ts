import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { REASON_CODES } from '../../src/decisions/reason-codes.js';

function documentedCodes(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1] ?? '');
}

describe('documented code lists', () => {
  it('docs/errors.md lists exactly the error codes in src/errors.ts', () => {
    expect(documentedCodes('docs/errors.md').sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });
  it('docs/reason-codes.md lists exactly the reason codes decisions can carry', () => {
    expect(documentedCodes('docs/reason-codes.md').sort()).toEqual(Object.keys(REASON_CODES).sort());
  });
});
