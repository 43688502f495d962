/**
 * `warden ocsf <decisions.jsonl>`: the offline side of the OCSF sink, for a backfill into a SIEM or
 * a data lake, or to check a mapping: alert and block decisions of a file (a topic dump, `warden
 * replay` output) as OCSF 1.5 Detection Findings, one JSON line each, with the same converter as
 * `warden sinks`. Signatures are verified unless `--no-verify` (replay output is unsigned unless
 * `--sign`); a line that is not a decision, or does not verify, is reported and skipped.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import type { Decision } from '../../decisions/decision.js';
import { createVerifier } from '../../decisions/signing.js';
import { decisionRecordOf } from '../../decisions/topic-records.js';
import { WardenError, isWardenError } from '../../errors.js';
import { decisionToFinding } from '../../ocsf-out/convert.js';
import { NdjsonWriter } from '../../pipeline/ndjson-writer.js';
import { WARDEN_VERSION } from '../../version.js';
import { collectRepeated } from '../support/flags.js';

interface OcsfFlags {
  config: string;
  output: string;
  publicKey: string[];
  verify: boolean;
  logName?: string;
}

function readKey(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new WardenError('WARDEN_KEY_INVALID', `cannot read public key ${file}: ${(cause as Error).message}`, { cause, hint: 'pass the signer\'s key with --public-key, or --no-verify for unsigned decisions (warden replay without --sign)' });
  }
}

export function registerOcsfCommand(program: Command): void {
  program
    .command('ocsf')
    .description('convert the alert and block decisions of a JSON lines file (or -) to OCSF 1.5 Detection Findings, one JSON line each (the converter of `warden sinks`, for backfills)')
    .argument('<file>', 'decisions, one JSON object a line (a decisions topic dump, warden replay output); - for standard input')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('-o, --output <file>', 'where to write the findings; - for standard output', '-')
    .option('--public-key <file>', 'a trusted public key; repeat for a key rotation (default: signing.publicKeyFile)', collectRepeated, [])
    .option('--no-verify', 'convert without checking signatures (unsigned replay output)')
    .option('--log-name <name>', 'metadata.log_name of the findings (default: kafka.topics.decisions)')
    .action(async (file: string, opts: OcsfFlags) => {
      if (file !== '-') {
        try {
          if (statSync(file).isDirectory()) throw new WardenError('WARDEN_INPUT_NOT_FOUND', `cannot read ${file}: it is a directory, not a JSON lines file`);
        } catch (err) {
          if (isWardenError(err)) throw err;
          throw new WardenError('WARDEN_INPUT_NOT_FOUND', `cannot read ${file}: no such file`, { cause: err });
        }
      }
      const config = loadConfig(opts.config);
      const verifier = opts.verify ? createVerifier((opts.publicKey.length > 0 ? opts.publicKey : [config.signing.publicKeyFile]).map(readKey)) : null;
      const out = await NdjsonWriter.open(opts.output);
      const convert = { productVersion: WARDEN_VERSION, logName: opts.logName ?? config.kafka.topics.decisions };
      const counts = { findings: 0, allows: 0, invalid: 0, unverified: 0 };
      let line = 0;
      const input = file === '-' ? process.stdin : createReadStream(file);
      for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
        line++;
        if (raw.trim() === '') continue;
        let record: unknown;
        try {
          record = JSON.parse(raw);
        } catch {
          record = null;
        }
        // Allow-batch records, compact allows and batch manifests (decisions.allow) carry allows only.
        const read = decisionRecordOf(record);
        if (read !== null && read.form !== 'full') {
          counts.allows += read.form === 'allow-batch' ? read.record.entries.length + read.record.omitted : read.form === 'compact' ? 1 : 0;
          continue;
        }
        const d = record as Partial<Decision> | null;
        if (!d || typeof d !== 'object' || typeof d.decisionId !== 'string' || typeof d.identity !== 'string' || !['allow', 'alert', 'block'].includes(String(d.verdict)) || !Array.isArray(d.reasons)) {
          counts.invalid++;
          console.error(`${file}:${line}: not a decision`);
          continue;
        }
        if (d.verdict === 'allow') {
          counts.allows++;
          continue;
        }
        if (verifier) {
          const check = verifier.inspect(d);
          if (!check.valid) {
            counts.unverified++;
            console.error(`${file}:${line}: ${d.decisionId} does not verify (${check.status}); skipped`);
            continue;
          }
        }
        const finding = decisionToFinding(d as Decision, convert);
        if (finding) {
          counts.findings++;
          await out.write(finding);
        }
      }
      await out.close();
      console.error(`${counts.findings} findings, ${counts.allows} allows skipped, ${counts.unverified} not verified, ${counts.invalid} lines not decisions`);
      process.exitCode = counts.invalid + counts.unverified > 0 ? 1 : 0;
    });
}
