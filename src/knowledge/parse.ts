/**
 * Parses one knowledge pack file: YAML (with positions) → schema → conditions and templates
 * compiled. Every problem in the file is reported at once as `file:line:column field: message`.
 */
import { WardenValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import { formatPath, locate, parseYamlSource, zodIssues } from '../common/yaml-source.js';
import { compilePatterns } from '../common/glob.js';
import type { PatternList } from '../common/glob.js';
import { compileCondition, describeCondition } from './condition.js';
import type { Condition } from './condition.js';
import { knowledgeFileSchema, SOURCES } from './schema.js';
import type { KnowledgeSource } from './schema.js';
import { compileTemplate } from './template.js';
import type { Template } from './template.js';
import type { Tier } from './types.js';

export const KNOWLEDGE_CODE = 'WARDEN_KNOWLEDGE_INVALID' as const;

/** Sensitivity category an entry gives its action when it names none. */
const CATEGORY_OF_TACTIC: Record<string, string> = {
  'credential-access': 'credential-read',
  persistence: 'iam-write',
  'privilege-escalation': 'iam-write',
  'defense-evasion': 'logging',
  exfiltration: 'data-share',
  collection: 'data-read',
  discovery: 'read',
  execution: 'execution',
  'lateral-movement': 'remote-access',
  impact: 'destructive',
  'initial-access': 'sign-in',
};

export interface CompiledEntry {
  readonly id: string;
  readonly source: KnowledgeSource;
  readonly actions: readonly string[];
  readonly actionList: PatternList;
  readonly tactic: string;
  readonly technique: string;
  readonly name: string;
  readonly tier: Tier;
  readonly category: string;
  readonly when: Condition | null;
  /** The condition in words ('' when the entry has none). */
  readonly explain: string;
  readonly detail: Template;
  readonly file: string;
  readonly line: number | undefined;
}

export interface CompiledClass {
  readonly actions: readonly string[];
  readonly actionList: PatternList;
  readonly tier: Tier;
  readonly category: string;
  readonly when: Condition | null;
}

export interface KnowledgeFile {
  readonly file: string;
  readonly source: KnowledgeSource;
  readonly entries: readonly CompiledEntry[];
  readonly classes: readonly CompiledClass[];
}

/** Parses and compiles one pack file; throws WARDEN_KNOWLEDGE_INVALID listing every problem. */
export function parseKnowledgeFile(text: string, file: string): KnowledgeFile {
  const source = parseYamlSource(text, file, KNOWLEDGE_CODE);
  const raw: unknown = source.doc.toJS() ?? null;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WardenValidationError(KNOWLEDGE_CODE, [{ file, line: 1, column: 1, message: 'a knowledge file must be a YAML mapping with version, source and entries' }]);
  }
  const result = knowledgeFileSchema.safeParse(raw);
  if (!result.success) throw new WardenValidationError(KNOWLEDGE_CODE, zodIssues(source, result.error));
  const spec = result.data;
  const issues: ValidationIssue[] = [];
  const issue = (path: readonly PropertyKey[], message: string): void => {
    issues.push({ file, ...locate(source, path), field: formatPath(path), message });
  };
  const prefix = SOURCES[spec.source];
  const checkActions = (list: readonly string[], at: readonly PropertyKey[]): void => {
    list.forEach((a, k) => {
      if (prefix !== null && !a.startsWith(prefix)) issue([...at, 'actions', k], `${spec.source} actions start with "${prefix}"`);
      else if (!a.includes(':')) issue([...at, 'actions', k], 'an action is <service>:<operation>, e.g. iam:CreateUser');
    });
  };
  const compileWhen = (when: unknown, at: readonly PropertyKey[]): Condition | null =>
    when === undefined ? null : compileCondition(when, [...at, 'when'], issue);

  const seen = new Set<string>();
  const entries = spec.entries.map((e, i): CompiledEntry => {
    const at = ['entries', i];
    if (!e.id.startsWith(`${spec.source}.`)) issue([...at, 'id'], `ids in a ${spec.source} file start with "${spec.source}."`);
    if (seen.has(e.id)) issue([...at, 'id'], `duplicate entry id "${e.id}"`);
    seen.add(e.id);
    checkActions(e.actions, at);
    const detailText = e.detail ?? `${e.name}: {action} on {resource}`;
    const detail = compileTemplate(detailText);
    if (Array.isArray(detail)) issue([...at, 'detail'], `unknown field path${detail.length > 1 ? 's' : ''} ${detail.map((d) => `{${d}}`).join(', ')}`);
    return {
      id: e.id,
      source: spec.source,
      actions: e.actions,
      actionList: compilePatterns(e.actions),
      tactic: e.tactic,
      technique: e.technique,
      name: e.name,
      tier: e.tier,
      category: e.category ?? CATEGORY_OF_TACTIC[e.tactic] ?? 'write',
      when: compileWhen(e.when, at),
      explain: e.explain ?? (e.when === undefined ? '' : describeCondition(e.when)),
      detail: Array.isArray(detail) ? () => detailText : detail,
      file,
      line: locate(source, at).line,
    };
  });
  const classes = spec.sensitivity.map((c, i): CompiledClass => {
    const at = ['sensitivity', i];
    checkActions(c.actions, at);
    return { actions: c.actions, actionList: compilePatterns(c.actions), tier: c.tier, category: c.category, when: compileWhen(c.when, at) };
  });
  if (issues.length > 0) throw new WardenValidationError(KNOWLEDGE_CODE, issues);
  return { file, source: spec.source, entries, classes };
}
