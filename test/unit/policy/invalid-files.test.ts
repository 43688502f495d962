import { describe, expect, it } from 'vitest';
import { parsePolicyFile } from '../../../src/policy/parse.js';
import { buildPolicySet } from '../../../src/policy/policy-set.js';
import { parsePolicyTestFile } from '../../../src/policy/testing/test-file.js';
import { WardenValidationError } from '../../../src/errors.js';
import type { ValidationIssue } from '../../../src/errors.js';

function issuesOf(fn: () => unknown): ValidationIssue[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof WardenValidationError) {
      expect(err.code).toBe('WARDEN_POLICY_INVALID');
      return [...err.issues];
    }
    throw err;
  }
  throw new Error('expected a validation error');
}

const rule = (body: string) => `policy: p\nrules:\n  - ${body}\n`;

// [what is wrong, file text, expected field, expected line, message fragment]
const cases: [string, string, string | undefined, number, string][] = [
  ['YAML syntax', 'policy: p\nrules: [\n', undefined, 3, ''],
  ['not a mapping', '- a\n- b\n', undefined, 1, 'YAML mapping'],
  ['missing rules', 'policy: p\n', 'rules', 1, ''],
  ['empty rules', 'policy: p\nrules: []\n', 'rules', 2, 'at least one rule'],
  ['bad policy id', 'policy: "my policy"\nrules: [ { id: a, kind: deny, actions: [x] } ]\n', 'policy', 1, 'no spaces'],
  ['unknown top-level key', 'policy: p\nrulez: []\nrules: [ { id: a, kind: deny, actions: [x] } ]\n', 'rulez', 2, 'unknown field'],
  ['unknown rule kind', rule('{ id: a, kind: permit, actions: [x] }'), 'rules[0].kind', 3, 'Expected'],
  ['typo in a rule field', rule('{ id: a, kind: deny, action: [x] }'), 'rules[0].action', 3, 'unknown field'],
  ['allow without actions', rule('{ id: a, kind: allow }'), 'rules[0].actions', 3, ''],
  ['empty action list', rule('{ id: a, kind: allow, actions: [] }'), 'rules[0].actions', 3, 'at least one'],
  ['deny with nothing to deny', rule('{ id: a, kind: deny }'), 'rules[0]', 3, 'actions or resources'],
  ['bad mode', rule('{ id: a, kind: deny, actions: [x], mode: dry-run }'), 'rules[0].mode', 3, ''],
  ['bad verdict', rule('{ id: a, kind: deny, actions: [x], verdict: allow }'), 'rules[0].verdict', 3, ''],
  ['weight out of range', rule('{ id: a, kind: deny, actions: [x], weight: 500 }'), 'rules[0].weight', 3, ''],
  ['unknown time zone', rule('{ id: a, kind: time-window, timezone: Mars/Olympus, windows: ["Mon 09:00-10:00"] }'), 'rules[0].timezone', 3, 'IANA'],
  ['bad window', 'policy: p\nrules:\n  - id: a\n    kind: time-window\n    windows:\n      - "weekdays 9 to 5"\n', 'rules[0].windows[0]', 6, 'Mon-Fri 07:00-19:00'],
  ['bad CIDR', 'policy: p\nrules:\n  - id: a\n    kind: source\n    cidrs: ["10.0.0.0/8", "10.0.0.0/33"]\n', 'rules[0].cidrs[1]', 5, 'not a CIDR'],
  ['bad ASN', rule('{ id: a, kind: source, asns: [ASX] }'), 'rules[0].asns[0]', 3, 'not an ASN'],
  ['bad country', rule('{ id: a, kind: source, countries: [Ireland] }'), 'rules[0].countries[0]', 3, 'ISO 3166'],
  ['source with no constraint', rule('{ id: a, kind: source }'), 'rules[0]', 3, 'at least one of'],
  ['bad rate window', rule('{ id: a, kind: rate-limit, max: 5, per: "5 minutes" }'), 'rules[0].per', 3, 'not a duration'],
  ['zero rate', rule('{ id: a, kind: rate-limit, max: 0, per: 1m }'), 'rules[0].max', 3, ''],
  ['thresholds inverted', rule('{ id: a, kind: thresholds, alertAt: 80, blockAt: 50 }'), 'rules[0].alertAt', 3, 'below blockAt'],
  ['empty thresholds', rule('{ id: a, kind: thresholds }'), 'rules[0]', 3, 'alertAt or blockAt'],
  ['duplicate rule ids', 'policy: p\nrules:\n  - { id: a, kind: deny, actions: [x] }\n  - { id: a, kind: deny, actions: [y] }\n', 'rules[1].id', 4, 'duplicate rule'],
  ['exception without expiry', `${rule('{ id: a, kind: deny, actions: [x] }')}exceptions:\n  - { id: e, reason: "a good reason here" }\n`, 'exceptions[0].expires', 5, ''],
  ['exception with a bad date', `${rule('{ id: a, kind: deny, actions: [x] }')}exceptions:\n  - { id: e, expires: next-week, reason: "a good reason here" }\n`, 'exceptions[0].expires', 5, 'not a date'],
  ['exception without a reason', `${rule('{ id: a, kind: deny, actions: [x] }')}exceptions:\n  - { id: e, expires: 2026-12-01, reason: tmp }\n`, 'exceptions[0].reason', 5, 'say why'],
  ['exception naming no rule', `${rule('{ id: a, kind: deny, actions: [x] }')}exceptions:\n  - { id: e, rules: [b], expires: 2026-12-01, reason: "a good reason here" }\n`, 'exceptions[0].rules[0]', 5, 'no rule "b"'],
  ['unknown scope key', 'policy: p\nscope: { identity: [x] }\nrules: [ { id: a, kind: deny, actions: [x] } ]\n', 'scope.identity', 2, 'unknown field'],
  ['duplicate YAML key', 'policy: p\npolicy: q\nrules: [ { id: a, kind: deny, actions: [x] } ]\n', undefined, 2, ''],
];

describe('invalid policy files give a located, specific error', () => {
  it.each(cases)('%s', (_what, text, field, line, fragment) => {
    const issues = issuesOf(() => parsePolicyFile(text, 'policies/p.yaml'));
    const hit = issues.find((i) => i.field === field) ?? issues[0];
    expect(hit, JSON.stringify(issues)).toBeDefined();
    expect(hit?.file).toBe('policies/p.yaml');
    expect(hit?.field).toBe(field);
    expect(hit?.line).toBe(line);
    expect(hit?.message).toContain(fragment);
  });

  it('lists every problem of a file at once', () => {
    const issues = issuesOf(() => parsePolicyFile(`${rule('{ id: a, kind: source, cidrs: [nope], asns: [bad] }')}`, 'p.yaml'));
    expect(issues.map((i) => i.field)).toEqual(['rules[0].cidrs[0]', 'rules[0].asns[0]']);
  });

  it('refuses two files declaring the same policy id', () => {
    const text = rule('{ id: a, kind: deny, actions: [x] }');
    const issues = issuesOf(() => buildPolicySet([parsePolicyFile(text, 'a.yaml'), parsePolicyFile(text, 'b.yaml')]));
    expect(issues[0]).toMatchObject({ file: 'b.yaml', field: 'policy', line: 1 });
    expect(issues[0]?.message).toContain('a.yaml');
  });
});

describe('invalid policy test files', () => {
  const t = (body: string) => `cases:\n  - name: c\n${body}`;
  it.each([
    ['unknown reason code', t('    event: { time: "2026-11-25T10:00:00Z", identity: { id: a }, action: x }\n    expect: { verdict: allow, reasons: [NOPE] }\n'), 'cases[0].expect.reasons[0]', 'unknown reason code'],
    ['bad verdict', t('    event: { time: "2026-11-25T10:00:00Z", identity: { id: a }, action: x }\n    expect: { verdict: deny }\n'), 'cases[0].expect.verdict', ''],
    ['event without action', t('    event: { time: "2026-11-25T10:00:00Z", identity: { id: a } }\n    expect: { verdict: allow }\n'), 'cases[0].event.action', ''],
    ['event with a bad time', t('    event: { time: yesterday, identity: { id: a }, action: x }\n    expect: { verdict: allow }\n'), 'cases[0].event.time', ''],
    ['both event and events', t('    event: { action: x }\n    events: [ { action: x } ]\n    expect: { verdict: allow }\n'), 'cases[0]', 'exactly one'],
  ])('%s', (_what, text, field, fragment) => {
    const issues = issuesOf(() => parsePolicyTestFile(text, 'p.test.yaml'));
    const hit = issues.find((i) => i.field === field);
    expect(hit, JSON.stringify(issues)).toBeDefined();
    expect(hit?.line).toBeGreaterThan(0);
    expect(hit?.message).toContain(fragment);
  });
});
