/** `warden policy test [dir]`: runs `*.test.yaml` cases like `opa test`, then lists untested rules. */
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { isPolicyTestFile, listPolicyFiles, loadPolicyDir, readPolicyText } from '../../config/policy-dir.js';
import { parsePolicyTestFile } from '../../policy/testing/test-file.js';
import { allRuleKeys, runSuite } from '../../policy/testing/run.js';
import type { CaseResult } from '../../policy/testing/run.js';
import type { Inventory } from '../../identity/inventory.js';
import { loadInventory, makeDeciderFactory, stageConfig, withStageFlags } from '../support/stage-context.js';
import type { StageFlags } from '../support/stage-context.js';

interface TestFlags extends StageFlags {
  verbose?: boolean;
  requireCoverage?: boolean;
  json?: boolean;
}

export function registerPolicyTestCommand(policy: Command): void {
  withStageFlags(
    policy
      .command('test')
      .description('run *.test.yaml cases (events + expected verdict and reason codes); exit 1 on any failure')
      .argument('[dir]', 'policy folder (default: policy.dir from the config)'),
  )
    .option('--verbose', 'print the reasons of passing cases too')
    .option('--require-coverage', 'fail when a rule or exception is touched by no test case')
    .option('--json', 'print results and coverage as one JSON document (for CI)')
    .action((dir: string | undefined, flags: TestFlags) => {
      const { config, inventoryFile } = stageConfig(flags);
      const folder = dir ?? config.policy.dir;
      const set = loadPolicyDir(folder);
      const touched = new Set<string>();
      const inventories = new Map<string, Inventory>();
      const inventoryAt = (file: string): Inventory => {
        const key = resolve(file);
        let inv = inventories.get(key);
        if (!inv) inventories.set(key, (inv = loadInventory(file)));
        return inv;
      };
      const results: CaseResult[] = [];
      const print = flags.json ? (): void => undefined : (line: string): void => console.log(line);
      const suites = listPolicyFiles([folder], isPolicyTestFile).map((file) => parsePolicyTestFile(readPolicyText(file), file));
      for (const suite of suites) {
        const invFile = suite.identities ? resolve(dirname(suite.file), suite.identities) : inventoryFile;
        const factory = makeDeciderFactory(config, inventoryAt(invFile), set, { onRuleTouched: (p, r) => touched.add(`${p}/${r}`) });
        print(`${suite.file}`);
        for (const r of runSuite(suite, factory)) {
          results.push(r);
          print(`  ${r.passed ? 'PASS' : 'FAIL'} ${r.name}${r.passed ? '' : `  (${r.file}:${r.line ?? '?'})`}`);
          for (const f of r.failures) print(`       ${f}`);
          if ((!r.passed || flags.verbose) && r.decision) {
            for (const reason of r.decision.reasons) print(`       - ${reason.code}: ${reason.detail}`);
          }
        }
      }
      const uncovered = allRuleKeys(set).filter((k) => !touched.has(k.key));
      const total = allRuleKeys(set).length;
      print(`\ncoverage: ${total - uncovered.length}/${total} rules and exceptions touched by a test`);
      for (const u of uncovered) print(`  untested: ${u.key}  (${u.file}:${u.line ?? '?'})`);
      const failed = results.filter((r) => !r.passed).length;
      print(`\n${results.length - failed} passed, ${failed} failed (policy version ${set.version})`);
      if (suites.length === 0) print(`no *.test.yaml files in ${folder}`);
      if (flags.json) {
        const cases = results.map((r) => ({
          file: r.file,
          line: r.line,
          name: r.name,
          passed: r.passed,
          failures: r.failures,
          verdict: r.decision?.verdict ?? null,
          reasons: r.decision?.reasons ?? [],
        }));
        const coverage = { touched: total - uncovered.length, total, untested: uncovered };
        console.log(JSON.stringify({ version: set.version, passed: results.length - failed, failed, cases, coverage }, null, 2));
      }
      const coverageFails = flags.requireCoverage === true && uncovered.length > 0;
      process.exitCode = failed > 0 || coverageFails || suites.length === 0 ? 1 : 0;
    });
}
