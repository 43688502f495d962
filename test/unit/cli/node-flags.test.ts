import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RECOMMENDED_NODE_FLAGS, youngGenerationSet } from '../../../src/cli/support/node-flags.js';

describe('the Node flags warden run is meant to run with', () => {
  it('are passed by every launcher the project ships', () => {
    const flags = RECOMMENDED_NODE_FLAGS.join(' ');
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
    expect(JSON.parse(entrypoint ?? '[]')).toEqual(['node', ...RECOMMENDED_NODE_FLAGS, 'bin/warden.js']);
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain(`node ${flags} bin/warden.js`);
    expect(scripts.demo).toContain(`node ${flags} bin/warden.js demo`);
    expect(readFileSync('README.md', 'utf8')).toContain(`alias warden="node ${flags} bin/warden.js"`);
    expect(readFileSync('docs/operations.md', 'utf8')).toContain(`node ${flags} bin/warden.js run`);
  });

  it('are seen when given on the command line or in NODE_OPTIONS, in either spelling', () => {
    expect(youngGenerationSet([], '')).toBe(false);
    expect(youngGenerationSet(['--enable-source-maps'], '--max-old-space-size=4096')).toBe(false);
    expect(youngGenerationSet(['--max-semi-space-size=64'], '')).toBe(true);
    expect(youngGenerationSet([], '--max_semi_space_size=32')).toBe(true);
    expect(youngGenerationSet([], '--inspect  --max-semi-space-size=128')).toBe(true);
  });
});
