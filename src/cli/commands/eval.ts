import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import type { Decision } from '../../decisions/decision.js';
import type { WardenEvent } from '../../events/event.js';
import type { EventLabel } from '../../simulator/generate.js';
import { WardenError } from '../../errors.js';
import { compareWithReferences } from '../../eval/run.js';
import type { DetectionFigures } from '../../eval/evaluate.js';
import { readJsonLines } from '../ndjson.js';

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(3)}%`);

function row(name: string, d: DetectionFigures): string {
  return `${name.padEnd(15)} ${pct(d.recallAt5).padStart(9)} ${pct(d.recallAny).padStart(9)} ${(d.meanEventsToDetect?.toFixed(2) ?? 'n/a').padStart(6)} ${pct(d.benignAlertRate).padStart(9)} ${pct(d.benignBlockRate).padStart(9)} ${d.precision.toFixed(3).padStart(9)} ${d.prAuc.toFixed(3).padStart(7)}`;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('score decisions against simulator labels, next to two naive reference detectors')
    .requiredOption('--events <dir>', 'folder written by `warden simulate` (events.jsonl, labels.jsonl)')
    .requiredOption('--decisions <file>', 'decisions file written by `warden replay`')
    .option('--config <file>', 'warden.yaml (learning period of the references)', DEFAULT_CONFIG_FILE)
    .option('--json', 'print the figures as JSON')
    .action(async (flags: { events: string; decisions: string; config: string; json?: boolean }) => {
      const config = loadConfig(flags.config);
      const events = await readJsonLines<WardenEvent>(join(flags.events, 'events.jsonl'));
      const labels = await readJsonLines<EventLabel>(join(flags.events, 'labels.jsonl'));
      const decisions = await readJsonLines<Decision>(flags.decisions);
      if (labels.length !== events.length || decisions.length !== events.length) {
        throw new WardenError('WARDEN_USAGE', `expected one label and one decision per event: ${events.length} events, ${labels.length} labels, ${decisions.length} decisions`);
      }
      decisions.forEach((d, i) => {
        if (d.eventId !== labels[i]?.eventId) throw new WardenError('WARDEN_USAGE', `decision ${i + 1} is for ${d.eventId}, label is for ${labels[i]?.eventId}: replay the same events file`);
      });
      const cmp = compareWithReferences({ events, labels }, decisions, config.baseline.learningDays);
      if (flags.json) {
        console.log(JSON.stringify(cmp, null, 2));
        return;
      }
      console.log(`${'detector'.padEnd(15)} ${'recall@5'.padStart(9)} ${'recall'.padStart(9)} ${'ttd'.padStart(6)} ${'benign!'.padStart(9)} ${'blocked'.padStart(9)} ${'precision'.padStart(9)} ${'PR-AUC'.padStart(7)}`);
      console.log(row('warden', cmp.warden));
      console.log(row('new-value', cmp.newValue));
      console.log(row('rate-threshold', cmp.rateThreshold));
      console.log(`\n(recall@5: attack episodes flagged within their first 5 events; ttd: mean events to detect; benign!: benign events alerted or blocked)\n`);
      console.log(`${'attack kind'.padEnd(22)} ${'episodes'.padStart(8)} ${'warden'.padStart(8)} ${'new-value'.padStart(10)} ${'rate'.padStart(6)}`);
      for (const [kind, k] of Object.entries(cmp.warden.perKind)) {
        console.log(`${kind.padEnd(22)} ${String(k.episodes).padStart(8)} ${String(k.caughtWithin5).padStart(8)} ${String(cmp.newValue.perKind[kind]?.caughtWithin5 ?? 0).padStart(10)} ${String(cmp.rateThreshold.perKind[kind]?.caughtWithin5 ?? 0).padStart(6)}`);
      }
      const fp = Object.entries(cmp.warden.falsePositivesByDrift);
      if (fp.length > 0) console.log(`\nbenign events flagged by drift kind: ${fp.map(([k, n]) => `${k} ${n}`).join(', ')}`);
    });
}
