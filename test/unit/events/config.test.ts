import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';

describe('events config section', () => {
  it('has documented defaults', () => {
    const config = parseConfig('{}', 'warden.yaml');
    expect(config.events).toMatchObject({ maxRecordBytes: 1048576, maxDepth: 64, keepRaw: false, mappings: [], extraPrivilegedActions: [] });
    expect(config.events.k8sStages).toEqual(['ResponseStarted', 'ResponseComplete', 'Panic']);
  });
  it('points at the line of a mapping that reuses a built-in format name or misses a field', () => {
    const yaml = ['events:', '  mappings:', '    - name: cloudtrail', '      fields: { time: t, identity: i, action: a }', '    - name: vault', '      fields: { time: t, identity: i }', ''].join('\n');
    expect(() => parseConfig(yaml, 'warden.yaml')).toThrow(/warden\.yaml:3:\d+ events\.mappings\[0\]\.name: clashes with a built-in format/);
    expect(() => parseConfig(yaml, 'warden.yaml')).toThrow(/warden\.yaml:6:\d+ events\.mappings\[1\]\.fields\.action/);
  });
});
