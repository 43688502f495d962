import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { WardenError } from '../../errors.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { BatchAudit, describeFinding } from '../../decisions/batch-audit.js';
import { eventIdOf } from '../../decisions/manifest.js';
import { createVerifier } from '../../decisions/signing.js';
import type { Signed } from '../../decisions/signing.js';

/** `kafka-console-consumer --property print.partition=true` writes `Partition:3<TAB>{…}`. */
const PARTITION_PREFIX = /^Partition:(\d+)\s+/;

interface VerifyFlags {
  config: string;
  publicKey?: string[];
  quiet: boolean;
  strictOrder: boolean;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('verify every decision or block record in a JSONL file (or -): each signature, and that every Merkle batch of decisions is complete, without duplicates and in order')
    .argument('<file>', 'JSON lines of signed records (a decisions file or topic dump, in the order read), - for standard input')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--public-key <file...>', 'trusted public key(s) (default: signing.publicKeyFile)')
    .option('--strict-order', "check each batch's order over the whole input, not per partition or identity (a file written in order, or one partition)", false)
    .option('-q, --quiet', 'print only the summary', false)
    .action(async (file: string, opts: VerifyFlags) => {
      const keyFiles = opts.publicKey ?? [loadConfig(opts.config).signing.publicKeyFile];
      const pems = keyFiles.map((f) => {
        try {
          return readFileSync(f, 'utf8');
        } catch (cause) {
          throw new WardenError('WARDEN_KEY_INVALID', `cannot read public key ${f}`, { cause });
        }
      });
      const verifier = createVerifier(pems);
      const audit = new BatchAudit();
      const input = file === '-' ? process.stdin : createReadStream(file);
      let valid = 0;
      let invalid = 0;
      let line = 0;
      for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
        line++;
        if (raw.trim() === '') continue;
        const partition = PARTITION_PREFIX.exec(raw);
        const text = partition ? raw.slice(partition[0].length) : raw;
        let record: Signed & { decisionId?: string; identity?: string };
        try {
          record = JSON.parse(text) as Signed;
        } catch {
          invalid++;
          if (!opts.quiet) console.log(`${file}:${line}: not JSON`);
          continue;
        }
        const checked = verifier.inspect(record);
        if (!checked.valid) {
          invalid++;
          if (!opts.quiet) console.log(`${file}:${line}: BAD SIGNATURE ${record.decisionId ?? record.identity ?? ''}`);
          continue;
        }
        valid++;
        if (checked.batch) {
          const lane = opts.strictOrder ? 'the input' : partition ? `partition ${partition[1]}` : `identity ${String(record.identity ?? '')}`;
          audit.observe(checked.batch, { line, eventId: eventIdOf(record), lane });
        }
      }
      const { batches, complete, findings } = audit.finish();
      if (!opts.quiet) for (const f of findings) for (const text of describeFinding(f)) console.log(`${file}: ${text}`);
      const count = (kind: string): number => findings.filter((f) => f.kind === kind).length;
      console.log(`${valid} valid, ${invalid} invalid; ${batches} batches, ${complete} complete, ${count('missing')} with missing decisions, ${count('duplicate')} duplicated decisions, ${count('reordered')} reordered`);
      process.exitCode = invalid > 0 || findings.length > 0 ? 1 : 0;
    });
}
