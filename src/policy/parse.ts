/**
 * Parses one policy file: YAML (with positions) → schema → semantic checks (time zones, windows,
 * CIDRs, ASNs, durations, rule references, expiry dates) → compiled policy. Every problem in the
 * file is reported at once, each with file, line, column and field.
 */
import { createHash } from 'node:crypto';
import { WardenValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import { deepFreeze, formatPath, locate, parseYamlSource, zodIssues } from '../common/yaml-source.js';
import type { YamlSource } from '../common/yaml-source.js';
import { compilePatterns } from '../common/glob.js';
import type { PatternList } from '../common/glob.js';
import { policyFileSchema } from './schema.js';
import type { ExceptionSpec, RuleSpec, ScopeSpec } from './schema.js';
import { checkTimezone, compileWindows } from './time-window.js';
import { checkCidr, compileSource, normalizeAsn } from './source.js';
import { parseDuration } from './duration.js';
import type { CompiledException, CompiledPolicy, CompiledRule, CompiledScope } from './compiled.js';
import type { RuleMode } from './types.js';

const list = (p: readonly string[] | undefined): PatternList | null => (p === undefined ? null : compilePatterns(p));

/** Parses an expiry: a date means "valid through that day, UTC"; an instant is taken as is. */
export function parseExpiry(text: string): number | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    return Number.isNaN(ms) ? null : ms + 86_400_000;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

function compileScope(scope: ScopeSpec): CompiledScope {
  return { identities: list(scope.identities), classes: list(scope.classes), environments: list(scope.environments), owners: list(scope.owners) };
}

interface Ctx {
  source: YamlSource;
  issues: ValidationIssue[];
}

function issue(ctx: Ctx, path: readonly PropertyKey[], message: string): void {
  ctx.issues.push({ file: ctx.source.file, ...locate(ctx.source, path), field: formatPath(path), message });
}

function compileRule(ctx: Ctx, policyId: string, policyMode: RuleMode, rule: RuleSpec, i: number): CompiledRule {
  const at = ['rules', i];
  const base = {
    policyId,
    id: rule.id,
    kind: rule.kind,
    description: rule.description,
    mode: rule.mode ?? policyMode,
    verdict: rule.verdict,
    weight: rule.weight ?? (rule.verdict === 'block' ? 80 : 50),
    actions: list(rule.kind === 'thresholds' ? undefined : rule.actions),
    resources: list(rule.kind === 'thresholds' ? undefined : rule.resources),
    scope: rule.scope ? compileScope(rule.scope) : undefined,
    line: locate(ctx.source, at).line,
  };
  switch (rule.kind) {
    case 'allow':
      return base;
    case 'deny':
      if (!rule.actions && !rule.resources) issue(ctx, at, 'a deny rule needs actions or resources (what does it deny?)');
      return base;
    case 'time-window': {
      const tzProblem = checkTimezone(rule.timezone);
      if (tzProblem) issue(ctx, [...at, 'timezone'], tzProblem);
      const window = compileWindows(rule.timezone, rule.windows, (w, message) => issue(ctx, [...at, 'windows', w], message));
      return { ...base, window };
    }
    case 'source': {
      const dims = [rule.cidrs, rule.asns, rule.countries, rule.regions, rule.workloads];
      if (dims.every((d) => d === undefined)) issue(ctx, at, 'a source rule needs at least one of cidrs, asns, countries, regions, workloads');
      let cidrsOk = true;
      rule.cidrs?.forEach((c, k) => {
        const problem = checkCidr(c);
        if (problem) {
          cidrsOk = false;
          issue(ctx, [...at, 'cidrs', k], problem);
        }
      });
      rule.asns?.forEach((a, k) => {
        if (normalizeAsn(a) === null) issue(ctx, [...at, 'asns', k], `"${a}" is not an ASN (e.g. AS16509)`);
      });
      return cidrsOk ? { ...base, source: compileSource(rule) } : base;
    }
    case 'rate-limit': {
      const windowMs = parseDuration(rule.per);
      if (windowMs === null) issue(ctx, [...at, 'per'], `"${rule.per}" is not a duration (e.g. 30s, 5m, 1h, 1d)`);
      return { ...base, rate: { max: rule.max, windowMs: windowMs ?? 1, per: rule.per } };
    }
    case 'thresholds':
      if (rule.alertAt === undefined && rule.blockAt === undefined) issue(ctx, at, 'a thresholds rule needs alertAt or blockAt');
      if (rule.alertAt !== undefined && rule.blockAt !== undefined && rule.alertAt >= rule.blockAt) {
        issue(ctx, [...at, 'alertAt'], `alertAt (${rule.alertAt}) must be below blockAt (${rule.blockAt})`);
      }
      return { ...base, thresholds: { alertAt: rule.alertAt, blockAt: rule.blockAt } };
  }
}

function compileException(ctx: Ctx, policyId: string, rules: readonly CompiledRule[], ex: ExceptionSpec, i: number): CompiledException {
  const at = ['exceptions', i];
  const expiresMs = parseExpiry(ex.expires);
  if (expiresMs === null) issue(ctx, [...at, 'expires'], `"${ex.expires}" is not a date (2026-12-31) or RFC 3339 instant`);
  ex.rules?.forEach((r, k) => {
    if (!rules.some((rule) => rule.id === r)) issue(ctx, [...at, 'rules', k], `no rule "${r}" in policy ${policyId}`);
  });
  return {
    policyId,
    id: ex.id,
    rules: ex.rules ? new Set(ex.rules) : null,
    identities: list(ex.identities),
    actions: list(ex.actions),
    resources: list(ex.resources),
    expiresMs: expiresMs ?? 0,
    expires: ex.expires,
    reason: ex.reason,
    ticket: ex.ticket,
    line: locate(ctx.source, at).line,
  };
}

function duplicates(ctx: Ctx, ids: readonly string[], key: string, what: string): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) issue(ctx, [key, i, 'id'], `duplicate ${what} id "${id}"`);
    seen.add(id);
  });
}

/** Parses, validates and compiles one policy file. Throws WARDEN_POLICY_INVALID listing every problem. */
export function parsePolicyFile(text: string, file: string): CompiledPolicy {
  const source = parseYamlSource(text, file, 'WARDEN_POLICY_INVALID');
  const raw: unknown = source.doc.toJS() ?? null;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WardenValidationError('WARDEN_POLICY_INVALID', [{ file, line: 1, column: 1, message: 'a policy file must be a YAML mapping with policy, scope and rules' }]);
  }
  const result = policyFileSchema.safeParse(raw);
  if (!result.success) throw new WardenValidationError('WARDEN_POLICY_INVALID', zodIssues(source, result.error));
  const spec = result.data;
  const ctx: Ctx = { source, issues: [] };
  duplicates(ctx, spec.rules.map((r) => r.id), 'rules', 'rule');
  duplicates(ctx, spec.exceptions.map((e) => e.id), 'exceptions', 'exception');
  const rules = spec.rules.map((r, i) => compileRule(ctx, spec.policy, spec.mode, r, i));
  const exceptions = spec.exceptions.map((e, i) => compileException(ctx, spec.policy, rules, e, i));
  if (ctx.issues.length > 0) throw new WardenValidationError('WARDEN_POLICY_INVALID', ctx.issues);
  return deepFreeze({
    id: spec.policy,
    file,
    line: locate(source, ['policy']).line,
    description: spec.description,
    mode: spec.mode,
    scope: compileScope(spec.scope),
    rules,
    exceptions,
    hash: createHash('sha256').update(text).digest('hex'),
  });
}
