/**
 * `warden policy test [dir]`: runs `*.test.yaml` cases like `opa test`, then lists untested rules.
 * Each case is decided by the one decider of replay and run (identity, policy, technique
 * knowledge, baseline, thresholds, model), from fresh state: an empty baseline.
 */
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { isPolicyTestFile, listPolicyFiles, loadPolicyDir, readPolicyText } from '../../policy/files.js';
import { MemoryBaselineStore } from '../../baseline/store-memory.js';
import { parsePolicyTestFile } from '../../policy/testing/test-file.js';
import { allRuleKeys, runSuite } from '../../policy/testing/run.js';
import type { CaseDecider, CaseResult } from '../../policy/testing/run.js';
import type { Inventory } from '../../identity/inventory.js';
import { createTracedDecider, deciderSetup, loadInventory, openModel, withDeciderFlags } from '../support/decider-context.js';
import type { DeciderFlags } from '../support/decider-context.js';

interface TestFlags extends DeciderFlags {
  verbose?: boolean;
  requireCoverage?: boolean;
  json?: boolean;
}

export function registerPolicyTestCommand(policy: Command): void {
  withDeciderFlags(
    policy
      .command('test')
      .description('run *.test.yaml cases (events + expected verdict and reason codes) through the decider of replay; exit 1 on any failure')
      .argument('[dir]', 'policy folder (default: policy.dir from the config)'),
  )
    .option('--verbose', 'print the reasons of passing cases too')
    .option('--require-coverage', 'fail when a rule or exception is touched by no test case')
    .option('--json', 'print results and coverage as one JSON document (for CI)')
    .addHelpText(
      'after',
      `
Cases are decided as replay decides events (identity, policy, technique knowledge, baseline,
thresholds, model), each case from fresh state: no baseline profile yet (the identity is
learning; its earlier events in the case are all it has learned) and no rate-limit window.
The verdict is the whole decision's. expect.reasons is the exact set of identity and policy
reason codes; expect.techniques the exact set of ATT&CK techniques the knowledge pack weighed in.`,
    )
    .action(async (dir: string | undefined, flags: TestFlags) => {
      const { config, inventoryFile, knowledge } = deciderSetup(flags);
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
      const model = await openModel(config);
      try {
        for (const suite of suites) {
          const inventory = inventoryAt(suite.identities ? resolve(dirname(suite.file), suite.identities) : inventoryFile);
          const decideCase: CaseDecider = async (events) => {
            const decider = createTracedDecider({
              config,
              inventory,
              policies: set,
              knowledge,
              store: new MemoryBaselineStore(),
              model: model.scorer,
              engineOptions: { onRuleTouched: (p, r) => touched.add(`${p}/${r}`) },
            });
            const decisions = await decider.decideBatch(events);
            const trace = decider.trace(events[events.length - 1]!);
            const ruleCodes = [...(trace?.identity?.findings.map((f) => f.code) ?? []), ...(trace?.evaluation?.reasons.map((r) => r.code) ?? [])];
            return { decision: decisions[decisions.length - 1]!, matched: trace?.evaluation?.matched ?? [], ruleCodes };
          };
          print(`${suite.file}`);
          for (const r of await runSuite(suite, decideCase)) {
            results.push(r);
            print(`  ${r.passed ? 'PASS' : 'FAIL'} ${r.name}${r.passed ? '' : `  (${r.file}:${r.line ?? '?'})`}`);
            for (const f of r.failures) print(`       ${f}`);
            if ((!r.passed || flags.verbose) && r.decision) {
              for (const reason of r.decision.decision.reasons) print(`       - ${reason.code} (+${reason.weight}): ${reason.detail}`);
            }
          }
        }
      } finally {
        await model.close();
      }
      const uncovered = allRuleKeys(set).filter((k) => !touched.has(k.key));
      const total = allRuleKeys(set).length;
      print(`\ncoverage: ${total - uncovered.length}/${total} rules and exceptions touched by a test`);
      for (const u of uncovered) print(`  untested: ${u.key}  (${u.file}:${u.line ?? '?'})`);
      const failed = results.filter((r) => !r.passed).length;
      print(`\n${results.length - failed} passed, ${failed} failed (policy version ${set.version}; each case decided from an empty baseline)`);
      if (suites.length === 0) print(`no *.test.yaml files in ${folder}`);
      if (flags.json) {
        const cases = results.map((r) => ({
          file: r.file,
          line: r.line,
          name: r.name,
          passed: r.passed,
          failures: r.failures,
          verdict: r.decision?.decision.verdict ?? null,
          score: r.decision?.decision.score ?? null,
          reasons: r.decision?.decision.reasons ?? [],
        }));
        const coverage = { touched: total - uncovered.length, total, untested: uncovered };
        console.log(JSON.stringify({ version: set.version, baseline: 'empty', passed: results.length - failed, failed, cases, coverage }, null, 2));
      }
      const coverageFails = flags.requireCoverage === true && uncovered.length > 0;
      process.exitCode = failed > 0 || coverageFails || suites.length === 0 ? 1 : 0;
    });
}
