import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import type { Decision } from '../../decisions/decision.js';
import type { FeedbackRecord } from '../../baseline/feedback.js';
import { WardenError } from '../../errors.js';
import { readJsonLines } from '../support/json-lines.js';

export const DEFAULT_FEEDBACK_FILE = '.warden/feedback.jsonl';

export function registerFeedbackCommand(program: Command): void {
  program
    .command('feedback')
    .description('record an operator judgement of a decision; replay and the live pipeline apply it')
    .requiredOption('--decision <id>', 'decisionId to judge')
    .option('--benign', 'the decision flagged ordinary behaviour: teach the baseline')
    .option('--malicious', 'the decision was right (recorded for evaluation; teaches nothing)')
    .requiredOption('--decisions <file>', 'decisions file holding the decision (from `warden replay`)')
    .option('--file <file>', 'feedback file to append to', DEFAULT_FEEDBACK_FILE)
    .option('--note <text>', 'why')
    .action(async (flags: { decision: string; benign?: boolean; malicious?: boolean; decisions: string; file: string; note?: string }) => {
      if (Boolean(flags.benign) === Boolean(flags.malicious)) throw new WardenError('WARDEN_USAGE', 'give exactly one of --benign or --malicious');
      const decisions = await readJsonLines<Decision>(flags.decisions);
      const d = decisions.find((x) => x.decisionId === flags.decision);
      if (!d) throw new WardenError('WARDEN_USAGE', `decision ${flags.decision} is not in ${flags.decisions}`);
      const record: FeedbackRecord = {
        decisionId: d.decisionId,
        eventId: d.eventId,
        identity: d.identity,
        label: flags.benign ? 'benign' : 'malicious',
        codes: d.reasons.filter((r) => r.weight > 0).map((r) => r.code),
        recordedAt: new Date().toISOString(),
      };
      if (flags.note) record.note = flags.note;
      mkdirSync(dirname(flags.file), { recursive: true });
      appendFileSync(flags.file, `${JSON.stringify(record)}\n`);
      console.log(`recorded ${record.label} feedback on ${d.decisionId} (${d.identity}, ${d.action}; ${record.codes.join(', ') || 'no reasons'}) in ${flags.file}`);
    });
}
