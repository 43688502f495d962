/**
 * Loaded Sigma rules indexed by the source format they read and by the value of the field that
 * names the event (`eventName`, `action`…), each compiled once. Matching an event reads its
 * original record and runs only the rules of its format that can match that event name, plus
 * those whose condition does not pin it.
 */
import { WardenValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import { parseEachFile } from '../common/yaml-source.js';
import type { WardenEvent } from '../events/event.js';
import { originalRecordOf } from '../events/original.js';
import { packVersion } from '../knowledge/pack.js';
import { parseSigmaFile, SIGMA_CODE } from './parse.js';
import type { ParsedSigmaFile } from './parse.js';
import { SIGMA_LEVELS, TIER_OF_LEVEL } from './types.js';
import { SUPPORTED_LOG_SOURCES } from './logsource.js';
import type { SupportedLogSource } from './logsource.js';
import { compileFieldPath } from './fields.js';
import type { SigmaHit, SigmaRule, SigmaRuleSet, SkippedRule } from './types.js';
import type { SigmaDoc } from './files.js';

const NO_HITS: readonly SigmaHit[] = Object.freeze([]);

interface Entry {
  rule: SigmaRule;
  hit: SigmaHit;
  /** Position in the severity order (0: most severe). */
  rank: number;
}

/** One source format's rules: those pinned to values of its index field, and those to run on every record. */
interface FormatRules {
  readKey: (record: Record<string, unknown>) => readonly unknown[];
  byKey: Map<string, Entry[]>;
  always: Entry[];
}

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
  const byFormat = new Map<string, FormatRules>();
  ordered.forEach((rule, rank) => {
    const hit: SigmaHit = Object.freeze({
      rule: rule.id,
      title: rule.title,
      level: rule.level,
      tier: TIER_OF_LEVEL[rule.level],
      technique: rule.technique,
      tactic: rule.tactic,
      conditional: rule.conditional,
    });
    let f = byFormat.get(rule.format);
    if (!f) {
      const source = SUPPORTED_LOG_SOURCES.find((s) => s.format === rule.format) as SupportedLogSource;
      byFormat.set(rule.format, (f = { readKey: compileFieldPath(source.indexField), byKey: new Map(), always: [] }));
    }
    const entry: Entry = { rule, hit, rank };
    if (rule.keys === null) f.always.push(entry);
    else
      for (const key of rule.keys) {
        let list = f.byKey.get(key);
        if (!list) f.byKey.set(key, (list = []));
        list.push(entry);
      }
  });
  return {
    version,
    rules: Object.freeze(ordered),
    skipped: Object.freeze(skipped),
    match(event: WardenEvent): readonly SigmaHit[] {
      if (byFormat.size === 0) return NO_HITS;
      const f = byFormat.get(event.sourceFormat ?? '');
      if (!f) return NO_HITS;
      const record = originalRecordOf(event);
      if (!record) return NO_HITS;
      let found: Entry[] | null = null;
      const run = (entries: readonly Entry[]): void => {
        for (const e of entries) if (e.rule.matches(record) && !found?.includes(e)) (found ??= []).push(e);
      };
      run(f.always);
      if (f.byKey.size > 0) {
        for (const v of f.readKey(record)) {
          const text = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
          const entries = text === null ? undefined : f.byKey.get(text.toLowerCase());
          if (entries) run(entries);
        }
      }
      if (found === null) return NO_HITS;
      const hits = found as Entry[];
      if (hits.length > 1) hits.sort((a, b) => a.rank - b.rank);
      return hits.map((e) => e.hit);
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
