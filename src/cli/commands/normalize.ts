import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { WardenError } from '../../errors.js';
import { createNormalizer, formatNames } from '../../events/index.js';
import { NdjsonWriter } from '../../pipeline/ndjson-writer.js';
import { normalizeFile } from '../../pipeline/normalize-file.js';
import { ForcedFormatCheck } from '../../pipeline/read-events.js';
import type { NormalizeSummary } from '../../pipeline/normalize-file.js';

interface NormalizeFlags {
  input: string;
  format: string;
  out: string;
  rejects?: string;
  config: string;
}

function counts(map: Record<string, number>): string {
  const entries = Object.entries(map).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '' : ` (${entries.map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

export function formatSummary(s: NormalizeSummary): string {
  return [
    `records  ${s.records}`,
    `events   ${s.events}${counts(s.eventsByFormat)}`,
    `rejects  ${s.rejects}${counts(s.rejectsByReason)}`,
    ...(s.skipped > 0 ? [`skipped  ${s.skipped} (duplicate Kubernetes audit stages)`] : []),
  ].join('\n');
}

async function runNormalize(flags: NormalizeFlags): Promise<void> {
  const config = loadConfig(flags.config);
  const names = formatNames(config.events);
  if (!names.includes(flags.format)) {
    throw new WardenError('WARDEN_USAGE', `unknown --format "${flags.format}"; expected one of: ${names.join(', ')}`);
  }
  if (flags.out !== '-' && flags.out === flags.input) throw new WardenError('WARDEN_USAGE', '--out must not be the input file');
  const normalize = createNormalizer({ format: flags.format, events: config.events, keepOriginal: false });
  const out = await NdjsonWriter.open(flags.out);
  // Without --rejects, rejects go to stderr: they are data and are never dropped silently.
  const rejects = await NdjsonWriter.open(flags.rejects ?? '-', process.stderr);

  let bar: SingleBar | undefined;
  if (process.stderr.isTTY && flags.input !== '-') {
    const total = (await stat(flags.input).catch(() => undefined))?.size ?? 0;
    bar = new SingleBar({ stream: process.stderr, format: ' {bar} {percentage}% | {records} records, {events} events, {rejects} rejects', hideCursor: true }, undefined);
    bar.start(total, 0, { records: 0, events: 0, rejects: 0 });
  }
  let bytes = 0;
  const check = new ForcedFormatCheck(flags.format, config.events);
  let truncated: WardenError | undefined;
  try {
    const summary = await normalizeFile(flags.input, normalize, {
      maxRecordChars: config.events.maxRecordBytes * 4,
      onBytes: (n) => {
        bytes = n;
      },
      onTruncated: (err) => {
        truncated = err;
      },
      onEvent: (event) => {
        check.event();
        return out.write(event);
      },
      onReject: (reject) => {
        check.reject(reject);
        return rejects.write(reject);
      },
      onRecord: bar
        ? (s) => {
            if (s.records % 1000 === 0) bar?.update(bytes, { records: s.records, events: s.events, rejects: s.rejects });
          }
        : undefined,
    });
    if (bar) {
      bar.update(bytes, { records: summary.records, events: summary.events, rejects: summary.rejects });
      bar.stop();
    }
    await out.close();
    await rejects.close();
    process.stderr.write(`${formatSummary(summary)}\n`);
    // Reported after the output is complete: what was read is kept, the exit code tells the loss.
    if (truncated) throw truncated;
    const rejectedAll = check.error();
    if (rejectedAll) throw rejectedAll;
  } finally {
    bar?.stop();
  }
}

export function registerNormalizeCommand(program: Command): void {
  program
    .command('normalize')
    .description('normalize audit records (CloudTrail, Kubernetes, GitHub, GCP, OCSF API Activity from Security Lake, pgaudit, generic, native) to Warden events as NDJSON')
    .requiredOption('-i, --input <file>', 'input file, plain or gzip; - for stdin')
    .option('-f, --format <format>', 'source format: auto (detect each record), cloudtrail, k8s, github, gcp, ocsf, pgaudit, warden or a mapping name', 'auto')
    .option('-o, --out <file>', 'normalized events (NDJSON); - for stdout', '-')
    .option('-r, --rejects <file>', 'records that could not be normalized (NDJSON with reason, origin and raw bytes); default stderr')
    .option('-c, --config <file>', 'config file (events section: mappings, privileged actions, limits)', DEFAULT_CONFIG_FILE)
    .action(async (flags: NormalizeFlags) => {
      await runNormalize(flags);
    });
}
