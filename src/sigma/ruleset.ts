/**
 * Loaded Sigma rules indexed by the source format they read, most severe first, each compiled
 * once; matching an event reads its original record and runs the predicates of its format only.
 */
import { WardenValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import { parseEachFile } from '../config/yaml-source.js';
import type { WardenEvent } from '../events/event.js';
import { originalRecordOf } from '../events/original.js';
import { packVersion } from '../knowledge/pack.js';
import { parseSigmaFile, SIGMA_CODE } from './parse.js';
import type { ParsedSigmaFile } from './parse.js';
import { SIGMA_LEVELS, TIER_OF_LEVEL } from './types.js';
import type { SigmaHit, SigmaRule, SigmaRuleSet, SkippedRule } from './types.js';
import type { SigmaDoc } from './files.js';

const NO_HITS: readonly SigmaHit[] = Object.freeze([]);

const rank = (r: SigmaRule): number => SIGMA_LEVELS.indexOf(r.level);

/** Indexes parsed files; rule ids must be unique across files (a decision names the rule by id). */
export function buildSigmaRuleSet(parsed: readonly ParsedSigmaFile[], version: string): SigmaRuleSet {
  const rules: SigmaRule[] = [];
  const skipped: SkippedRule[] = [];
  const issues: ValidationIssue[] = [];
  const seen = new Map<string, SigmaRule>();
  for (const p of parsed) {
    if ('skipped' in p) {
      skipped.push(p.skipped);
      continue;
    }
    const first = seen.get(p.rule.id);
    if (first) {
      issues.push({ file: p.rule.file, ...(p.rule.line !== undefined ? { line: p.rule.line } : {}), field: 'id', message: `duplicate rule id ${p.rule.id} (also in ${first.file})` });
      continue;
    }
    seen.set(p.rule.id, p.rule);
    rules.push(p.rule);
  }
  if (issues.length > 0) throw new WardenValidationError(SIGMA_CODE, issues);
  // Most severe first, so that hits come out in that order with no sort per event.
  const ordered = [...rules].sort((a, b) => rank(b) - rank(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byFormat = new Map<string, { rule: SigmaRule; hit: SigmaHit }[]>();
  for (const rule of ordered) {
    const hit: SigmaHit = Object.freeze({
      rule: rule.id,
      title: rule.title,
      level: rule.level,
      tier: TIER_OF_LEVEL[rule.level],
      technique: rule.technique,
      tactic: rule.tactic,
      conditional: rule.conditional,
    });
    let list = byFormat.get(rule.format);
    if (!list) byFormat.set(rule.format, (list = []));
    list.push({ rule, hit });
  }
  return {
    version,
    rules: Object.freeze(ordered),
    skipped: Object.freeze(skipped),
    match(event: WardenEvent): readonly SigmaHit[] {
      if (byFormat.size === 0) return NO_HITS;
      const candidates = byFormat.get(event.sourceFormat ?? '');
      if (!candidates) return NO_HITS;
      const record = originalRecordOf(event);
      if (!record) return NO_HITS;
      let hits: SigmaHit[] | null = null;
      for (const c of candidates) if (c.rule.matches(record)) (hits ??= []).push(c.hit);
      return hits ?? NO_HITS;
    },
  };
}

/** Parses, validates and indexes rule files; throws WARDEN_SIGMA_INVALID listing every problem of every file. */
export function compileSigmaRules(docs: readonly SigmaDoc[]): SigmaRuleSet {
  return buildSigmaRuleSet(parseEachFile(docs, parseSigmaFile, SIGMA_CODE), packVersion(docs));
}

/** No rules: nothing matches. */
export function emptySigmaRuleSet(): SigmaRuleSet {
  return buildSigmaRuleSet([], packVersion([]));
}
