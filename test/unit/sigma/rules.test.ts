/**
 * The Sigma rules written for these tests (test/fixtures/sigma/rules/, one per modifier and
 * condition form) against real-format records: the golden inputs of each supported source and a
 * few records of test/fixtures/sigma/records.jsonl. Each rule must match exactly the events
 * test/fixtures/sigma/expected.json lists, and no other event: every other record is a negative.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNormalizer, originalRecordOf } from '../../../src/events/index.js';
import type { WardenEvent } from '../../../src/events/event.js';
import { loadSigmaDirs } from '../../../src/sigma/index.js';

const SOURCES: Record<string, string> = {
  cloudtrail: 'test/fixtures/cloudtrail/input.jsonl',
  k8s: 'test/fixtures/k8s/input.jsonl',
  github: 'test/fixtures/github/input.jsonl',
  gcp: 'test/fixtures/gcp/input.jsonl',
  sigma: 'test/fixtures/sigma/records.jsonl',
};

/** Every event of the fixtures, named `<fixture>:<line>` (`<line>/<index>` when a record holds several). */
function fixtureEvents(): Map<string, WardenEvent> {
  const normalize = createNormalizer();
  const out = new Map<string, WardenEvent>();
  for (const [name, file] of Object.entries(SOURCES)) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      const { events } = normalize(line, { file, line: i + 1 });
      events.forEach((e, k) => out.set(events.length > 1 ? `${name}:${i + 1}/${k}` : `${name}:${i + 1}`, e));
    });
  }
  return out;
}

const rules = loadSigmaDirs(['test/fixtures/sigma/rules']);
const events = fixtureEvents();
const expected = JSON.parse(readFileSync('test/fixtures/sigma/expected.json', 'utf8')) as Record<string, string[] | string>;
delete expected._;

describe('Sigma rules written for the tests, on real-format records', () => {
  it('loads every rule and skips none', () => {
    expect(rules.skipped).toEqual([]);
    expect(rules.rules.map((r) => r.id).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('rule %s matches exactly its expected events', (id, refs) => {
    const matched = [...events].filter(([, e]) => rules.match(e).some((h) => h.rule === id)).map(([ref]) => ref);
    expect(matched.sort()).toEqual([...(refs as string[])].sort());
  });

  it('every rule has a negative among the records of its own source', () => {
    for (const rule of rules.rules) {
      const misses = [...events.values()].filter((e) => e.sourceFormat === rule.format && !rules.match(e).some((h) => h.rule === rule.id));
      expect(misses.length, rule.id).toBeGreaterThan(0);
    }
  });

  it('gives hits most severe first, with the level, tier and ATT&CK tags of the rule', () => {
    const stop = events.get('cloudtrail:4/0')!;
    const hits = rules.match(stop);
    expect(hits.map((h) => h.level)).toEqual(['high', 'high', 'low']);
    expect(hits.find((h) => h.rule.endsWith('0a02'))).toMatchObject({ tier: 'high', technique: 'T1562.008', tactic: 'defense-evasion', conditional: false });
    // A detection on more than the action's own fields names a variant of the action.
    expect(hits.find((h) => h.rule.endsWith('0a11'))?.conditional).toBe(true);
    const info = rules.match(events.get('cloudtrail:2')!);
    expect(info).toEqual([expect.objectContaining({ level: 'informational', tier: null })]);
  });

  it('reads nothing but the original record: the normalized action name is not what rules see', () => {
    // The golden CloudTrail record 6 is lambda:CreateFunction once normalized; the rule names the recorded CreateFunction20150331.
    const lambda = events.get('cloudtrail:6')!;
    expect(lambda.action).toBe('lambda:CreateFunction');
    expect(rules.match(lambda).map((h) => h.rule)).toEqual(['6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0a10']);
  });

  it('the event-name index changes no result: match() gives what evaluating every rule of the source gives', () => {
    for (const [ref, e] of events) {
      const record = originalRecordOf(e)!;
      const all = rules.rules.filter((r) => r.format === e.sourceFormat && r.matches(record)).map((r) => r.id);
      expect(rules.match(e).map((h) => h.rule), ref).toEqual(all);
    }
  });

  it('indexes a rule by the event names its condition pins, and runs the others on every record', () => {
    const keysOf = (suffix: string) => rules.rules.find((r) => r.id.endsWith(suffix))?.keys ?? null;
    expect([...(keysOf('0a02') ?? [])]).toEqual(['stoplogging', 'deletetrail', 'updatetrail', 'puteventselectors']);
    expect([...(keysOf('0a01') ?? [])]).toEqual(['createaccesskey']);
    // `1 of them` with an escaped star among the names: not every branch is a plain name.
    expect(keysOf('0a10')).toBeNull();
    expect(keysOf('0a08')).toBeNull(); // startswith
    expect(keysOf('0a07')).toBeNull(); // keywords
    expect([...(keysOf('0b01') ?? [])]).toEqual(['clusterrolebindings']);
  });
});
