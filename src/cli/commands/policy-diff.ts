/**
 * `warden policy diff --base <dir|git-ref> --input FILE`: backtests a policy change on recorded
 * events and lists the decisions it flips, before the change goes live. Both sides replay the
 * input through the one decider of replay and run (identity, policy, technique knowledge,
 * baseline, thresholds, model), each from an empty baseline, in event order.
 */
import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { loadPolicyDir } from '../../policy/files.js';
import { WardenError } from '../../errors.js';
import { VERDICT_RANK } from '../../decisions/decision.js';
import type { Verdict } from '../../decisions/decision.js';
import type { WardenEvent } from '../../events/event.js';
import { createNormalizer } from '../../events/index.js';
import { MemoryBaselineStore } from '../../baseline/store-memory.js';
import { readEvents } from '../../pipeline/read-events.js';
import { loadPolicyAtRef } from '../support/git-policies.js';
import { createTracedDecider, deciderSetup, loadInventory, openModel, withDeciderFlags } from '../support/decider-context.js';
import type { DeciderFlags } from '../support/decider-context.js';

interface DiffFlags extends DeciderFlags {
  base: string;
  head?: string;
  input: string;
  format: string;
  failOnFlip?: boolean;
  limit: string;
  batchSize: string;
}

export function registerPolicyDiffCommand(policy: Command): void {
  withDeciderFlags(
    policy
      .command('diff')
      .description('which verdicts a policy change flips on recorded events (a backtest through the decider of replay)')
      .requiredOption('--base <dir|git-ref>', 'the policies in force: a folder, or a git ref (read with git show ref:<policy dir>)')
      .option('--head <dir>', 'the changed policies (default: policy.dir from the config)')
      .requiredOption('--input <file>', 'recorded audit records: any supported format (as for replay), plain or gzip, - for stdin')
      .option('--format <format>', 'input format: auto (per record), cloudtrail, k8s, github, gcp, pgaudit, warden or a mapping name', 'auto'),
  )
    .option('--limit <n>', 'flips to print in full', '50')
    .option('--fail-on-flip', 'exit 1 when any verdict flips')
    .option('--batch-size <n>', 'events per decision batch (decisions do not depend on it)', '5000')
    .addHelpText(
      'after',
      `
Both sides decide every event as replay does (identity, policy, technique knowledge, baseline,
thresholds, model), each side replaying the input from an empty baseline in event order: a flip
is what \`warden replay --policies <base>\` and \`--policies <head>\` would publish differently.`,
    )
    .action(async (flags: DiffFlags) => {
      const { config, inventoryFile, knowledge } = deciderSetup(flags);
      createNormalizer({ format: flags.format, events: config.events }); // refuse an unknown --format first
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 0) throw new WardenError('WARDEN_USAGE', `--limit must be a whole number, got ${flags.limit}`);
      const batchSize = Number(flags.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new WardenError('WARDEN_USAGE', `--batch-size must be a positive whole number, got ${flags.batchSize}`);
      if (flags.input !== '-' && !existsSync(flags.input)) throw new WardenError('WARDEN_INPUT_NOT_FOUND', `input file not found: ${flags.input}`);
      const headDir = flags.head ?? config.policy.dir;
      const baseIsDir = existsSync(flags.base) && statSync(flags.base).isDirectory();
      const baseSet = baseIsDir ? loadPolicyDir(flags.base) : loadPolicyAtRef(flags.base, headDir);
      const headSet = loadPolicyDir(headDir);
      const inventory = loadInventory(inventoryFile);
      const model = await openModel(config);
      const side = (policies: typeof baseSet) => createTracedDecider({ config, inventory, policies, knowledge, store: new MemoryBaselineStore(), model: model.scorer });
      const base = side(baseSet);
      const head = side(headSet);
      const matrix = new Map<string, number>();
      let events = 0;
      let flips = 0;
      let rejected = 0;
      const compare = async (batch: readonly WardenEvent[]): Promise<void> => {
        const before = await base.decideBatch(batch);
        const after = await head.decideBatch(batch);
        batch.forEach((event, i) => {
          const b = before[i]!;
          const a = after[i]!;
          events++;
          const key = `${b.verdict} -> ${a.verdict}`;
          matrix.set(key, (matrix.get(key) ?? 0) + 1);
          if (b.verdict === a.verdict) return;
          flips++;
          if (flips > limit) return;
          const changed = a.verdict === 'allow' ? b.reasons : a.reasons;
          console.log(`${flipMark(b.verdict, a.verdict)} ${event.id} ${event.identity.id} ${event.action}${event.resource ? ` ${event.resource}` : ''} @ ${event.time}: ${b.verdict} (risk ${b.score}) -> ${a.verdict} (risk ${a.score})`);
          for (const r of changed) console.log(`    ${r.code} (+${r.weight}): ${r.detail}`);
        });
      };
      try {
        let batch: WardenEvent[] = [];
        for await (const event of readEvents(flags.input, flags.format, config.events, (r) => {
          rejected++;
          console.error(`${r.origin.file ?? flags.input}:${r.origin.line ?? '?'}: skipped: ${r.reason}: ${r.message}`);
        })) {
          batch.push(event);
          if (batch.length >= batchSize) {
            await compare(batch);
            batch = [];
          }
        }
        await compare(batch);
      } finally {
        await model.close();
      }
      console.log(`\nbase ${baseSet.version} (${flags.base}) -> head ${headSet.version} (${headDir}); each side replayed from an empty baseline`);
      console.log(`${events} events, ${flips} verdicts flipped${rejected > 0 ? `, ${rejected} records skipped` : ''}`);
      for (const [key, n] of [...matrix.entries()].sort()) console.log(`  ${key.padEnd(18)} ${n}`);
      process.exitCode = flags.failOnFlip && flips > 0 ? 1 : 0;
    });
}

function flipMark(before: Verdict, after: Verdict): string {
  return VERDICT_RANK[after] > VERDICT_RANK[before] ? '+' : '-';
}
