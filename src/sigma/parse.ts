/**
 * Parses one Sigma rule file: YAML (with positions) → the rule's fields → detection compiled into
 * a predicate. A file that is not valid Sigma is an error listing every problem as
 * `file:line:column field: message`; a valid rule the engine cannot evaluate (another log source,
 * an aggregation, an unsupported modifier…) is returned as skipped, with the reason.
 */
import { z } from 'zod';
import { WardenValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import { formatPath, locate, parseYamlSource, zodIssues } from '../common/yaml-source.js';
import { compileDetection } from './detection.js';
import { resolveLogSource } from './logsource.js';
import { SIGMA_LEVELS } from './types.js';
import type { SigmaRule, SkippedRule } from './types.js';

export const SIGMA_CODE = 'WARDEN_SIGMA_INVALID' as const;

/** What one file holds: a rule, or a rule (or other Sigma document) the engine skips. */
export type ParsedSigmaFile = { rule: SigmaRule } | { skipped: SkippedRule };

const text = (what: string) => z.string({ error: `${what} is required` }).trim().min(1, { error: `${what} is empty` });
/** The rule fields Warden reads; the specification's others (author, references, fields…) pass through. */
const ruleSchema = z.looseObject({
  title: text('title (a short name of what the rule detects)'),
  id: text('id').optional(),
  status: z.string().optional(),
  level: z.enum(SIGMA_LEVELS, { error: `level is one of ${SIGMA_LEVELS.join(', ')}` }).optional(),
  description: z.string().optional(),
  logsource: z.looseObject(
    {
    product: z.string().optional(),
    service: z.string().optional(),
    category: z.string().optional(),
    definition: z.string().optional(),
    },
    { error: 'logsource is required: product and service (e.g. aws / cloudtrail)' },
  ),
  detection: z.record(z.string(), z.unknown(), { error: 'detection is required: search identifiers and a condition' }),
  tags: z.array(z.string()).optional(),
  falsepositives: z.union([z.string(), z.array(z.unknown())]).optional().nullable(),
});

/** Statuses the specification marks as not to be used. */
const RETIRED_STATUS: Readonly<Record<string, string>> = {
  deprecated: 'status deprecated: the rule was replaced or withdrawn',
  unsupported: 'status unsupported: the rule cannot be used in its current state (as its authors say)',
};

/** `attack.t1098.001` → `T1098.001`; `attack.privilege_escalation` → tactic `privilege-escalation`. */
function attackOf(tags: readonly string[]): { technique: string | null; tactic: string | null } {
  let technique: string | null = null;
  let tactic: string | null = null;
  for (const tag of tags) {
    const m = /^attack\.(.+)$/i.exec(tag.trim());
    if (!m) continue;
    const name = (m[1] as string).toLowerCase();
    if (/^t\d{4}(\.\d{3})?$/.test(name)) technique ??= name.toUpperCase();
    else if (!/^[gs]\d{4}$/.test(name)) tactic ??= name.replace(/_/g, '-');
  }
  return { technique, tactic };
}

/** More than one YAML document: a Sigma rule collection (`action: global` / `repeat`). */
function documentCount(source: string): number {
  return source.replace(/^---[ \t]*(#.*)?\r?\n/, '').split(/^---[ \t]*(?:#.*)?$/m).filter((d) => d.trim() !== '').length;
}

/** Parses one rule file; throws WARDEN_SIGMA_INVALID listing every problem of the file. */
export function parseSigmaFile(source: string, file: string): ParsedSigmaFile {
  if (documentCount(source) > 1) {
    return { skipped: { file, line: 1, id: null, title: null, reason: 'a rule collection of several YAML documents (action: global / repeat); split it into one rule per file' } };
  }
  const yaml = parseYamlSource(source, file, SIGMA_CODE);
  const raw: unknown = yaml.doc.toJS() ?? null;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WardenValidationError(SIGMA_CODE, [{ file, line: 1, column: 1, message: 'a Sigma rule must be a YAML mapping with title, logsource and detection' }]);
  }
  const doc = raw as Record<string, unknown>;
  const line = (path: readonly PropertyKey[]): number | undefined => locate(yaml, path).line;
  const skip = (reason: string, at: readonly PropertyKey[] = []): ParsedSigmaFile => ({
    skipped: { file, line: line(at) ?? 1, id: typeof doc.id === 'string' ? doc.id : null, title: typeof doc.title === 'string' ? doc.title : null, reason },
  });
  if (doc.correlation !== undefined) return skip('a correlation rule relates several events; Warden evaluates Sigma rules one event at a time', ['correlation']);
  if (doc.filter !== undefined && doc.detection === undefined) return skip('a Sigma filter (it amends other rules in a conversion pipeline); not evaluated on its own', ['filter']);

  const result = ruleSchema.safeParse(doc);
  if (!result.success) throw new WardenValidationError(SIGMA_CODE, zodIssues(yaml, result.error));
  const spec = result.data;

  const issues: ValidationIssue[] = [];
  const unsupported: string[] = [];
  const logsource = resolveLogSource(spec.logsource);
  const detection = compileDetection(
    spec.detection,
    {
      invalid: (path, message) => issues.push({ file, ...locate(yaml, path), field: formatPath(path), message }),
      unsupported: (reason) => unsupported.push(reason),
    },
    typeof logsource === 'string' ? '' : logsource.indexField,
  );
  if (issues.length > 0) throw new WardenValidationError(SIGMA_CODE, issues);

  const status = spec.status?.toLowerCase() ?? null;
  if (status !== null && status in RETIRED_STATUS) return skip(RETIRED_STATUS[status] as string, ['status']);
  if (typeof logsource === 'string') return skip(logsource, ['logsource']);
  if (unsupported.length > 0 || detection === null) return skip(unsupported.join('; ') || 'the detection cannot be evaluated', ['detection']);
  if (spec.id === undefined) return skip('no id: a rule needs one to be named in decisions (SIGMA:<id>)', ['title']);
  if (spec.level === undefined) return skip('no level: the level says what a match weighs (informational, low, medium, high, critical)', ['title']);

  const { technique, tactic } = attackOf(spec.tags ?? []);
  const conditional = [...detection.fields].some((f) => !logsource.actionFields.has(f));
  return {
    rule: {
      id: spec.id,
      title: spec.title,
      level: spec.level,
      status,
      format: logsource.format,
      technique,
      tactic,
      conditional,
      file,
      line: line(['title']),
      matches: detection.matches,
      keys: detection.keys,
    },
  };
}
