import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import type { Decision } from '../../decisions/decision.js';
import type { WardenEvent } from '../../events/event.js';
import type { EventLabel } from '../../simulator/generate.js';
import { WardenError } from '../../errors.js';
import { compareWithReferences } from '../../eval/run.js';
import { formatComparison } from '../../eval/format.js';
import { evaluateLabelled, formatLabelled } from '../../eval/labelled.js';
import type { RealLabel } from '../../eval/labelled.js';
import { readRecords } from '../../pipeline/file-source.js';
import { readEvents } from '../../pipeline/read-events.js';

const DEFINITIONS = `
Exactly one of --events (a simulation) or --labels (a labelled real recording) is needed.
Labels and decisions are joined by event id; labels without a decision (records the replay
rejected) are counted and left out. A flagged event is one alerted or blocked (or that would
have been, in shadow mode).

With --events:
  recall@5        share of attack episodes flagged within their first 5 events
  recall          share of attack episodes flagged at any point
  ttd             mean position of the first flagged event of a caught episode
  precision       attack events among flagged events
  PR-AUC          average precision of the decision scores, attack events against benign events
  per attack kind (and per kind/variant when labels have a variant), one-vs-benign: the events
  of that kind's episodes are the positives, all benign events the negatives, other kinds' attack
  events are left out; precision is n/a when neither was flagged
  per drift kind: benign events flagged as a share of that drift's benign events (routine: none)
  The references new-value and rate-threshold run on the events read from --events.

With --labels: see docs/eval.md (techniques flagged, benign window flagged, unseen benign
change, precision and PR-AUC over window records; history records only teach).
`;

/** JSON lines, plain or gzip. */
async function readJsonRecords<T>(path: string): Promise<T[]> {
  const out: T[] = [];
  for await (const { record, origin } of readRecords(path)) {
    try {
      out.push(JSON.parse(record) as T);
    } catch (err) {
      throw new WardenError('WARDEN_INPUT_INVALID', `${origin.file}:${origin.line ?? '?'}: not a JSON line (${(err as Error).message})`, { cause: err });
    }
  }
  return out;
}

/** `--events` names the simulation folder (its events.jsonl) or one events file in it. */
function simulationFiles(path: string): { events: string; labels: string } {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new WardenError('WARDEN_INPUT_NOT_FOUND', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return isDir ? { events: join(path, 'events.jsonl'), labels: join(path, 'labels.jsonl') } : { events: path, labels: join(dirname(path), 'labels.jsonl') };
}

interface EvalFlags {
  events?: string;
  labels?: string;
  decisions: string;
  format: string;
  config: string;
  json?: boolean;
}

async function evalSimulation(flags: EvalFlags & { events: string }, decisions: Decision[]): Promise<void> {
  const config = loadConfig(flags.config);
  const files = simulationFiles(flags.events);
  const labels = await readJsonRecords<EventLabel>(files.labels);
  const events: WardenEvent[] = [];
  let rejected = 0;
  for await (const e of readEvents(files.events, flags.format, config.events, () => void rejected++)) events.push(e);
  const cmp = compareWithReferences({ events, labels }, decisions, config.baseline.learningDays);
  if (cmp.decided === 0) throw new WardenError('WARDEN_USAGE', `none of the ${labels.length} labels of ${files.labels} has a decision in ${flags.decisions}: replay this simulation's events.jsonl or cloudtrail.jsonl`);
  if (flags.json) console.log(JSON.stringify({ ...cmp, rejected }, null, 2));
  else for (const line of formatComparison(cmp, rejected)) console.log(line);
}

async function evalLabelled(flags: EvalFlags & { labels: string }, decisions: Decision[]): Promise<void> {
  const labels = await readJsonRecords<RealLabel>(flags.labels);
  const bad = labels.findIndex((l) => typeof l.eventID !== 'string' || (l.label !== 'attack' && l.label !== 'benign'));
  if (bad >= 0) throw new WardenError('WARDEN_USAGE', `${flags.labels}: label ${bad + 1} needs eventID and label attack|benign (simulator labels go with --events)`);
  const figures = evaluateLabelled(labels, decisions);
  if (figures.decided === 0) throw new WardenError('WARDEN_USAGE', `none of the ${labels.length} labels of ${flags.labels} has a decision in ${flags.decisions}: replay the recording these labels describe`);
  if (flags.json) console.log(JSON.stringify(figures, null, 2));
  else for (const line of formatLabelled(figures)) console.log(line);
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('score decisions against simulator labels (next to two naive reference detectors) or against a labelled real recording')
    .option('--events <path>', 'folder written by `warden simulate` (its events.jsonl and labels.jsonl), or events.jsonl / cloudtrail.jsonl in it')
    .option('--labels <file>', 'labels of a real recording, JSON lines, plain or gzip: {eventID, label: attack|benign, technique, part: history|window, ...}')
    .requiredOption('--decisions <file>', 'decisions file written by `warden replay` (plain or gzip)')
    .option('--format <format>', 'format of the --events file (auto detects each record)', 'auto')
    .option('--config <file>', 'warden.yaml (learning period of the references, normalizer settings)', DEFAULT_CONFIG_FILE)
    .option('--json', 'print the figures as JSON')
    .addHelpText('after', DEFINITIONS)
    .action(async (flags: EvalFlags) => {
      if ((flags.events === undefined) === (flags.labels === undefined)) {
        throw new WardenError('WARDEN_USAGE', 'give exactly one of --events (a `warden simulate` folder) or --labels (labels of a real recording)');
      }
      const decisions = await readJsonRecords<Decision>(flags.decisions);
      if (flags.labels !== undefined) await evalLabelled({ ...flags, labels: flags.labels }, decisions);
      else await evalSimulation({ ...flags, events: flags.events! }, decisions);
    });
}
