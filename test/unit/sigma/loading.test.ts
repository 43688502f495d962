import { describe, expect, it } from 'vitest';
import { WardenValidationError } from '../../../src/errors.js';
import { compileSigmaRules, loadSigmaDirs } from '../../../src/sigma/index.js';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof WardenValidationError) {
      expect(err.code).toBe('WARDEN_SIGMA_INVALID');
      return err.issues.map((i) => `${i.file.split('/').pop()}:${i.line}:${i.column} ${i.field ?? ''}: ${i.message}`);
    }
    throw err;
  }
  throw new Error('expected a validation error');
}

describe('rules the engine cannot evaluate', () => {
  it('are listed with the reason, file and line, never dropped', () => {
    const set = loadSigmaDirs(['test/fixtures/sigma/unsupported']);
    expect(set.rules).toEqual([]);
    const listed = Object.fromEntries(set.skipped.map((s) => [s.file.split('/').pop(), `${s.line} ${s.reason}`]));
    expect(listed).toEqual({
      'aggregation_count.yml': expect.stringMatching(/^8 aggregation "\| count\(\) by userIdentity\.arn > 10" counts over several events/),
      'collection.yml': expect.stringMatching(/^1 a rule collection of several YAML documents/),
      'correlation.yml': expect.stringMatching(/^5 a correlation rule relates several events/),
      'logsource_azure.yml': expect.stringMatching(/^5 logsource \{product: azure, service: activitylogs\} is not supported \(supported: aws\/cloudtrail, kubernetes\/audit, github\/audit, gcp\/gcp\.audit\)/),
      'logsource_category.yml': expect.stringMatching(/^5 logsource \{product: linux, category: process_creation\} is not supported/),
      'missing_id.yml': expect.stringMatching(/^1 no id: a rule needs one to be named in decisions/),
      'missing_level.yml': expect.stringMatching(/^1 no level/),
      'modifier_unknown.yml': '8 modifier "fuzzy" (field eventName) is not supported',
      'modifier_windash.yml': expect.stringMatching(/^8 modifier "windash" \(field userAgent\): /),
      'near.yml': expect.stringMatching(/^8 "near" relates several events/),
      'status_deprecated.yml': expect.stringMatching(/^3 status deprecated/),
    });
    expect(set.skipped.find((s) => s.file.endsWith('near.yml'))).toMatchObject({ id: '6b0f5a8e-1c1e-4d55-9a1e-3f1b7c2d0e02', title: 'Stop Then Delete' });
  });

  it('a rule with an unsupported modifier is skipped even when its other fields are fine', () => {
    const set = compileSigmaRules([{ file: 'r.yml', text: 'title: t\nid: x1\nlevel: low\nlogsource: { product: aws, service: cloudtrail }\ndetection:\n  a: { eventName: X }\n  b: { userAgent|utf16le|base64offset|contains: y }\n  condition: a or b\n' }]);
    expect(set.rules).toEqual([]);
    expect(set.skipped[0]?.reason).toMatch(/modifier "utf16le"/);
  });
});

describe('invalid rule files', () => {
  it('report every problem of every file with file:line:column and field', () => {
    expect(issuesOf(() => loadSigmaDirs(['test/fixtures/sigma/invalid'])).sort()).toEqual([
      'bad_regex_and_cidr.yml:8:23 detection.selection.eventName|re: Invalid regular expression: /(Stop|Delete/: Unterminated group',
      'bad_regex_and_cidr.yml:9:31 detection.selection.sourceIPAddress|cidr: "10.0.0.0/33" is not a CIDR (e.g. 10.0.0.0/8 or 2001:db8::/32)',
      'bad_yaml.yml:9:5 : Flow sequence in block collection must be sufficiently indented and end with a ]',
      'missing_fields.yml:1:1 detection: detection is required: search identifiers and a condition',
      'missing_fields.yml:1:1 title: title (a short name of what the rule detects) is required',
      'missing_fields.yml:2:8 level: level is one of informational, low, medium, high, critical',
      'unknown_identifier.yml:9:16 detection.condition: "filter" is not a search identifier of this rule\'s detection',
    ]);
  });

  const rule = (detection: string, extra = ''): string => `title: t\nid: r1\nlevel: low\nlogsource: { product: aws, service: cloudtrail }\n${extra}detection:\n${detection}`;
  it.each([
    ['  sel: { eventName: X }\n  condition: sel and\n', 'r.yml:7:14 detection.condition: the condition ends too early'],
    ['  sel: { eventName: X }\n  condition: (sel\n', 'r.yml:7:14 detection.condition: expected ")" at the end'],
    ['  sel: { eventName: X }\n  condition: 1 of nothing*\n', 'r.yml:7:14 detection.condition: "1 of nothing*" matches no search identifier'],
    ['  sel: { eventName: X }\n  condition: 2 or sel\n', 'r.yml:7:14 detection.condition: "2" is not a search identifier of this rule\'s detection'],
    ['  sel: { eventName: X }\n', 'r.yml:6:3 detection: detection has no condition'],
    ['  sel: {}\n  condition: sel\n', 'r.yml:6:8 detection.sel: a selection needs at least one field'],
    ['  sel: { eventName|contains|startswith: X }\n  condition: sel\n', 'r.yml:6:41 detection.sel.eventName|contains|startswith: two match modifiers on eventName: contains and startswith'],
    ['  sel: { eventName|exists: maybe }\n  condition: sel\n', 'r.yml:6:28 detection.sel.eventName|exists: eventName|exists takes true or false'],
    ['  sel: { eventName|gt: ten }\n  condition: sel\n', 'r.yml:6:24 detection.sel.eventName|gt: eventName|gt takes a number'],
    ['  sel: [ { eventName: X }, keyword ]\n  condition: sel\n', 'r.yml:6:8 detection.sel: a search identifier list holds either maps of fields or keywords, not both'],
  ])('%j is refused', (detection, message) => {
    expect(issuesOf(() => compileSigmaRules([{ file: 'r.yml', text: rule(detection) }]))).toEqual([message]);
  });

  it('refuses a rule id used twice across files, naming both', () => {
    const text = rule('  sel: { eventName: X }\n  condition: sel\n');
    expect(issuesOf(() => compileSigmaRules([{ file: 'a/one.yml', text }, { file: 'b/two.yml', text }]))).toEqual(['two.yml:1:undefined id: duplicate rule id r1 (also in a/one.yml)']);
  });

  it('says which folder is missing', () => {
    expect(() => loadSigmaDirs(['test/fixtures/sigma/no-such-folder'])).toThrow(/Sigma rule folder not found: test\/fixtures\/sigma\/no-such-folder/);
  });
});

describe('loading folders', () => {
  it('reads sub-folders of each folder, and a version that changes with the content', () => {
    const all = loadSigmaDirs(['test/fixtures/sigma/rules']);
    const aws = loadSigmaDirs(['test/fixtures/sigma/rules/aws']);
    const both = loadSigmaDirs(['test/fixtures/sigma/rules/aws', 'test/fixtures/sigma/rules/kubernetes']);
    expect(all.rules).toHaveLength(19);
    expect(aws.rules.every((r) => r.format === 'cloudtrail')).toBe(true);
    expect(both.rules).toHaveLength(aws.rules.length + 3);
    expect(new Set([all.version, aws.version, both.version]).size).toBe(3);
    expect(loadSigmaDirs(['test/fixtures/sigma/rules']).version).toBe(all.version);
  });

  it('no folders: no rules, nothing matches', () => {
    const none = loadSigmaDirs([]);
    expect(none.rules).toEqual([]);
    expect(none.match({ id: '1', time: '2026-11-29T00:00:00Z', identity: { id: 'x' }, action: 'a:b', sourceFormat: 'cloudtrail', raw: { eventName: 'b' } })).toEqual([]);
  });
});
