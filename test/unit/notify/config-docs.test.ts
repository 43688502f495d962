import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { checkSinksConfig } from '../../../src/notify/app.js';
import { topicSpecs } from '../../../src/pipeline/topics.js';

describe('sinks configuration', () => {
  it('the example in docs/notifications.md is a valid config', () => {
    const text = readFileSync('docs/notifications.md', 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    const config = parseConfig(example, 'docs/notifications.md');
    expect(Object.keys(config.notify.targets)).toEqual(['platform-slack', 'soc']);
    expect(config.notify.routes[0]).toMatchObject({ match: { owner: ['team-platform'] }, targets: ['platform-slack'] });
    expect(config.console.url).toBe('https://warden.example.com');
  });

  it('the example in docs/ocsf.md is a valid config', () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(readFileSync('docs/ocsf.md', 'utf8'))?.[1] ?? '';
    expect(parseConfig(example, 'docs/ocsf.md').ocsf).toMatchObject({ enabled: true, topic: true, file: { keep: 5 } });
  });

  it('defaults: nothing to do is refused with what to set; findings topic is in the topic list', () => {
    const config = parseConfig('{}', 'warden.yaml');
    expect(config.kafka.topics.findings).toBe('warden.findings');
    expect(config.notify.deadLetter.file).toBe('.warden/notify-dead-letters.ndjson');
    expect(() => checkSinksConfig(config)).toThrow(/notify\.routes.*ocsf\.enabled/);
    expect(() => checkSinksConfig(parseConfig('ocsf: { enabled: true, topic: false }', 'w.yaml'))).toThrow(/findings would go nowhere/);
    expect(topicSpecs(config).map((s) => s.topic)).toContain('warden.findings');
    expect(topicSpecs(parseConfig('notify: { deadLetter: { topic: notify.dlq } }', 'w.yaml')).map((s) => s.topic)).toContain('notify.dlq');
  });

  it('rejects bad values with the field named', () => {
    expect(() => parseConfig('console: { url: "ftp://x" }', 'w.yaml')).toThrow(/console\.url/);
    expect(() => parseConfig('notify: { targets: { a: { type: teams, url: x } } }', 'w.yaml')).toThrow(/notify\.targets\.a/);
    expect(() => parseConfig('notify: { targets: { a: { type: webhook, url: "https://x" } } }', 'w.yaml')).toThrow(/secret/);
    expect(() => parseConfig('notify: { routes: [{ match: { reason: [new_action] }, targets: [] }] }', 'w.yaml')).toThrow(/reason code/);
  });
});
