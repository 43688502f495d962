/** `warden sigma check`: which Sigma rules Warden loads, which it skips and why, which files are invalid. */
import type { Command } from 'commander';
import { WardenValidationError } from '../../errors.js';
import type { ValidationIssue } from '../../errors.js';
import { packVersion } from '../../knowledge/pack.js';
import { parseSigmaFile, readSigmaDirs, SIGMA_CODE } from '../../sigma/index.js';
import type { SigmaRuleSet } from '../../sigma/index.js';
import { buildSigmaRuleSet } from '../../sigma/ruleset.js';
import type { ParsedSigmaFile } from '../../sigma/parse.js';
import { stageConfig } from '../support/stage-context.js';

interface CheckFlags {
  config?: string;
  json?: boolean;
}

const FORMAT_NAMES: Record<string, string> = { cloudtrail: 'aws/cloudtrail', k8s: 'kubernetes/audit', github: 'github/audit', gcp: 'gcp/gcp.audit' };

function printText(set: SigmaRuleSet, files: number): void {
  for (const r of set.rules) console.log(`loaded   ${r.level.padEnd(13)} ${r.id}  ${r.title}  (${r.file}:${r.line ?? 1}, ${FORMAT_NAMES[r.format] ?? r.format})`);
  for (const s of set.skipped) console.log(`skipped  ${s.file}:${s.line ?? 1} ${s.id ?? '-'}${s.title ? `  ${s.title}` : ''}: ${s.reason}`);
  const perSource = new Map<string, number>();
  for (const r of set.rules) perSource.set(r.format, (perSource.get(r.format) ?? 0) + 1);
  const sources = [...perSource].map(([f, n]) => `${FORMAT_NAMES[f] ?? f} ${n}`).join(', ');
  console.log(`${set.rules.length} rules loaded${sources ? ` (${sources})` : ''}, ${set.skipped.length} skipped, from ${files} files (version ${set.version})`);
}

export function registerSigmaCommand(program: Command): void {
  const sigma = program.command('sigma').description('Sigma rules evaluated on the original audit records (docs/sigma.md)');
  sigma
    .command('check')
    .description('list the Sigma rules Warden loads and those it skips with why; exit 1 when a rule file is invalid')
    .argument('[dirs...]', 'rule folders, searched recursively (default: sigma.dirs from the config)')
    .option('-c, --config <file>', 'warden.yaml')
    .option('--json', 'print {version, loaded, skipped, invalid} as JSON')
    .action((dirs: string[], flags: CheckFlags) => {
      const targets = dirs.length > 0 ? dirs : stageConfig(flags).config.sigma.dirs;
      const docs = readSigmaDirs(targets);
      const issues: ValidationIssue[] = [];
      const parsed: ParsedSigmaFile[] = [];
      // Every file on its own, so that one broken file does not hide what the others hold.
      for (const { file, text } of docs) {
        try {
          parsed.push(parseSigmaFile(text, file));
        } catch (err) {
          if (!(err instanceof WardenValidationError)) throw err;
          issues.push(...err.issues);
        }
      }
      let set: SigmaRuleSet;
      try {
        set = buildSigmaRuleSet(parsed, packVersion(docs));
      } catch (err) {
        if (!(err instanceof WardenValidationError)) throw err;
        issues.push(...err.issues);
        const duplicates = new Set(err.issues.map((i) => `${i.file}:${i.line}`));
        set = buildSigmaRuleSet(parsed.filter((p) => 'skipped' in p || !duplicates.has(`${p.rule.file}:${p.rule.line}`)), packVersion(docs));
      }
      if (flags.json) {
        const loaded = set.rules.map((r) => ({ id: r.id, title: r.title, level: r.level, status: r.status, logsource: FORMAT_NAMES[r.format] ?? r.format, technique: r.technique, tactic: r.tactic, file: r.file, line: r.line ?? null }));
        console.log(JSON.stringify({ version: set.version, files: docs.length, loaded, skipped: set.skipped, invalid: issues }, null, 2));
      } else printText(set, docs.length);
      if (targets.length === 0 && !flags.json) console.log('no folders: set sigma.dirs in the config or name folders on the command line');
      if (issues.length > 0) throw new WardenValidationError(SIGMA_CODE, issues);
    });
}
