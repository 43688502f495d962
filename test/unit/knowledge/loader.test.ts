/** Invalid pack files are refused with `file:line:column field: message`, every problem at once. */
import { describe, expect, it } from 'vitest';
import { WardenError, WardenValidationError } from '../../../src/errors.js';
import { compileKnowledgePack, emptyKnowledgePack, loadKnowledgeDir } from '../../../src/knowledge/index.js';

const entry = (extra = '', id = 'aws.cloudtrail.stop-logging') => `  - id: ${id}
    actions: ['cloudtrail:StopLogging']
    tactic: defense-evasion
    technique: T1562.008
    name: Disable cloud logs
    tier: critical
${extra}`;
const file = (body: string, source = 'aws') => `version: 1\nsource: ${source}\nentries:\n${body}`;

function problems(text: string, name = 'pack.yaml'): string {
  try {
    compileKnowledgePack([{ file: name, text }]);
  } catch (err) {
    expect(err).toBeInstanceOf(WardenValidationError);
    expect((err as WardenError).code).toBe('WARDEN_KNOWLEDGE_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected the pack to be refused');
}

describe('knowledge pack loader', () => {
  it('loads a valid file and versions it by content', () => {
    const a = compileKnowledgePack([{ file: 'a.yaml', text: file(entry()) }]);
    const b = compileKnowledgePack([{ file: 'a.yaml', text: file(entry()) }]);
    const c = compileKnowledgePack([{ file: 'a.yaml', text: file(entry('    detail: stopped {resource}\n')) }]);
    expect(a.size).toBe(1);
    expect(a.version).toMatch(/^[0-9a-f]{12}$/);
    expect(b.version).toBe(a.version);
    expect(c.version).not.toBe(a.version);
    expect(emptyKnowledgePack().size).toBe(0);
  });

  it('reports a bad tier at its line', () => {
    expect(problems(file(entry().replace('tier: critical', 'tier: severe')))).toMatch(/^pack\.yaml:9:11 entries\[0\]\.tier: /);
  });

  it('reports an unknown key at its line', () => {
    expect(problems(file(entry('    severity: high\n')))).toBe('pack.yaml:10:15 entries[0].severity: unknown field');
  });

  it('reports an unknown operator, naming the ones there are', () => {
    const msg = problems(file(entry('    when: { field: attributes.request.name, startsWith: x }\n')));
    expect(msg).toMatch(/^pack\.yaml:10:57 entries\[0\]\.when\.startsWith: unknown operator "startsWith" \(expected one of equals, in, matches/);
  });

  it('reports a duplicate id, in one file and across files', () => {
    expect(problems(file(entry() + entry('', 'aws.cloudtrail.stop-logging')))).toMatch(/^pack\.yaml:10:9 entries\[1\]\.id: duplicate entry id "aws\.cloudtrail\.stop-logging"/);
    try {
      compileKnowledgePack([{ file: 'a.yaml', text: file(entry()) }, { file: 'b.yaml', text: file(entry()) }]);
      throw new Error('expected a duplicate');
    } catch (err) {
      expect((err as Error).message).toMatch(/^b\.yaml:4 id: duplicate entry id "aws\.cloudtrail\.stop-logging" \(also in a\.yaml:4\)/);
    }
  });

  it('reports problems deep inside conditions, all of them at once', () => {
    const when = `    when:
      any:
        - { field: nowhere.x, equals: 1 }
        - { field: attributes.request.name, matches: '/(/' }
        - { some: attributes.request.list, where: { field: .x, in: [] } }
        - { field: attributes.request.a, equals: 1, in: [1] }
        - { field: .Effect, equals: Allow }
    detail: 'seen {attributes.request.name} {bogus.path}'
`;
    const lines = problems(file(entry(when))).split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^pack\.yaml:17:13 entries\[0\]\.detail: unknown field path \{bogus\.path\}/),
      expect.stringMatching(/^pack\.yaml:12:20 entries\[0\]\.when\.any\[0\]\.field: unknown field path "nowhere\.x"/),
      expect.stringMatching(/^pack\.yaml:13:54 entries\[0\]\.when\.any\[1\]\.matches: invalid regular expression/),
      expect.stringMatching(/^pack\.yaml:14:68 entries\[0\]\.when\.any\[2\]\.where\.in: in takes a non-empty list/),
      expect.stringMatching(/^pack\.yaml:15:11 entries\[0\]\.when\.any\[3\]: a condition takes exactly one operator, found equals, in/),
      expect.stringMatching(/^pack\.yaml:16:20 entries\[0\]\.when\.any\[4\]\.field: relative path "\.Effect" outside a some group/),
    ]);
  });

  it('checks ids, actions and technique ids against the source', () => {
    const msg = problems(file(entry().replace("'cloudtrail:StopLogging'", "'StopLogging'").replace('T1562.008', 'T99'), 'aws'));
    expect(msg).toMatch(/entries\[0\]\.technique: an ATT&CK technique id/);
    const k8s = problems(file(entry(), 'k8s'));
    expect(k8s).toMatch(/pack\.yaml:4:9 entries\[0\]\.id: ids in a k8s file start with "k8s\."/);
    expect(k8s).toMatch(/pack\.yaml:5:15 entries\[0\]\.actions\[0\]: k8s actions start with "k8s:"/);
  });

  it('reports YAML syntax errors and a wrong top level', () => {
    expect(problems('version: 1\nsource: aws\nentries: [\n')).toMatch(/^pack\.yaml:\d+:\d+: /);
    expect(problems('- just a list\n')).toBe('pack.yaml:1:1: a knowledge file must be a YAML mapping with version, source and entries');
    expect(problems('version: 2\nsource: aws\n')).toMatch(/^pack\.yaml:1:10 version: /);
  });

  it('loadKnowledgeDir throws a WardenError for a folder that does not exist', () => {
    expect(() => loadKnowledgeDir('test/fixtures/knowledge/no-such-dir')).toThrow(WardenError);
  });
});
