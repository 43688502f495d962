/**
 * `warden policy diff --base <dir|git-ref> --input events.ndjson`: backtests a policy change on
 * recorded events and lists the decisions it flips, before the change goes live.
 */
import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { loadPolicyDir } from '../../config/policy-dir.js';
import { WardenError } from '../../errors.js';
import type { Verdict } from '../../decisions/decision.js';
import { readEvents } from '../support/ndjson.js';
import { loadPolicyAtRef } from '../support/git-policies.js';
import { loadInventory, makeDeciderFactory, stageConfig, withStageFlags } from '../support/stage-context.js';
import type { StageFlags } from '../support/stage-context.js';

interface DiffFlags extends StageFlags {
  base: string;
  head?: string;
  input: string;
  failOnFlip?: boolean;
  limit: string;
}

export function registerPolicyDiffCommand(policy: Command): void {
  withStageFlags(
    policy
      .command('diff')
      .description('which verdicts a policy change flips on recorded events (backtest)')
      .requiredOption('--base <dir|git-ref>', 'the policies in force: a folder, or a git ref (read with git show ref:<policy dir>)')
      .option('--head <dir>', 'the changed policies (default: policy.dir from the config)')
      .requiredOption('--input <file>', 'recorded events, NDJSON WardenEvents'),
  )
    .option('--limit <n>', 'flips to print in full', '50')
    .option('--fail-on-flip', 'exit 1 when any verdict flips')
    .action(async (flags: DiffFlags) => {
      const { config, inventoryFile } = stageConfig(flags);
      const headDir = flags.head ?? config.policy.dir;
      const baseIsDir = existsSync(flags.base) && statSync(flags.base).isDirectory();
      const baseSet = baseIsDir ? loadPolicyDir(flags.base) : loadPolicyAtRef(flags.base, headDir);
      const headSet = loadPolicyDir(headDir);
      const inventory = loadInventory(inventoryFile);
      const base = makeDeciderFactory(config, inventory, baseSet)();
      const head = makeDeciderFactory(config, inventory, headSet)();
      const matrix = new Map<string, number>();
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 0) throw new WardenError('WARDEN_USAGE', `--limit must be a whole number, got ${flags.limit}`);
      let events = 0;
      let flips = 0;
      let bad = 0;
      for await (const event of readEvents(flags.input, (b) => {
        bad++;
        console.error(`${flags.input}:${b.line}: skipped: ${b.message}`);
      })) {
        events++;
        const before = base(event);
        const after = head(event);
        const key = `${before.verdict} -> ${after.verdict}`;
        matrix.set(key, (matrix.get(key) ?? 0) + 1);
        if (before.verdict === after.verdict) continue;
        flips++;
        if (flips <= limit) {
          const changed = after.verdict === 'allow' ? before.reasons : after.reasons;
          console.log(`${flipMark(before.verdict, after.verdict)} ${event.id} ${event.identity.id} ${event.action}${event.resource ? ` ${event.resource}` : ''} @ ${event.time}: ${before.verdict} -> ${after.verdict}`);
          for (const r of changed) console.log(`    ${r.code}: ${r.detail}`);
        }
      }
      console.log(`\nbase ${baseSet.version} (${flags.base}) -> head ${headSet.version} (${headDir})`);
      console.log(`${events} events, ${flips} verdicts flipped${bad > 0 ? `, ${bad} bad lines skipped` : ''}`);
      for (const [key, n] of [...matrix.entries()].sort()) console.log(`  ${key.padEnd(18)} ${n}`);
      process.exitCode = flags.failOnFlip && flips > 0 ? 1 : 0;
    });
}

function flipMark(before: Verdict, after: Verdict): string {
  const rank = { allow: 0, alert: 1, block: 2 };
  return rank[after] > rank[before] ? '+' : '-';
}
