/** `warden policy …`: validate, test and diff policies as code. */
import type { Command } from 'commander';
import { listPolicyFiles, isPolicyTestFile, loadPolicyFiles, readPolicyText } from '../../policy/files.js';
import { WardenValidationError } from '../../errors.js';
import type { ValidationIssue } from '../../errors.js';
import { parsePolicyTestFile } from '../../policy/testing/test-file.js';
import { stageConfig } from '../support/stage-context.js';
import { registerPolicyTestCommand } from './policy-test.js';
import { registerPolicyDiffCommand } from './policy-diff.js';

export function registerPolicyCommand(program: Command): void {
  const policy = program.command('policy').description('validate, test and backtest policies as code');
  policy
    .command('validate')
    .description('check policy files and their *.test.yaml files; every problem with file, line, column and field')
    .argument('[paths...]', 'policy folders or files (default: policy.dir from the config)')
    .option('-c, --config <file>', 'warden.yaml')
    .action((paths: string[], flags: { config?: string }) => {
      const targets = paths.length > 0 ? paths : [stageConfig(flags).config.policy.dir];
      const issues: ValidationIssue[] = [];
      let set;
      try {
        set = loadPolicyFiles(targets);
      } catch (err) {
        if (!(err instanceof WardenValidationError)) throw err;
        issues.push(...err.issues);
      }
      const tests = listPolicyFiles(targets, isPolicyTestFile).filter(isPolicyTestFile);
      for (const file of tests) {
        try {
          parsePolicyTestFile(readPolicyText(file), file);
        } catch (err) {
          if (!(err instanceof WardenValidationError)) throw err;
          issues.push(...err.issues);
        }
      }
      if (issues.length > 0) throw new WardenValidationError('WARDEN_POLICY_INVALID', issues);
      // Expired exceptions are harmless (ignored) but dead: say so, so they get cleaned up.
      const now = Date.now();
      for (const p of set?.policies ?? []) {
        for (const e of p.exceptions) {
          if (e.expiresMs <= now) console.log(`warning: ${p.file}:${e.line ?? '?'} exception ${e.id} expired ${e.expires}; it no longer applies, remove it`);
        }
      }
      const rules = set?.policies.reduce((n, p) => n + p.rules.length, 0) ?? 0;
      console.log(`ok: ${set?.policies.length ?? 0} policies, ${rules} rules, ${tests.length} test files (version ${set?.version ?? '-'})`);
    });
  registerPolicyTestCommand(policy);
  registerPolicyDiffCommand(policy);
}
