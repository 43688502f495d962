import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { WardenError } from '../../errors.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { createVerifier } from '../../decisions/signing.js';
import type { Signed } from '../../decisions/signing.js';

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('verify the Ed25519 signature of every decision or block record in a JSONL file (or -)')
    .argument('<file>', 'JSON lines of signed records, - for standard input')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--public-key <file...>', 'trusted public key(s) (default: signing.publicKeyFile)')
    .option('-q, --quiet', 'print only the summary', false)
    .action(async (file: string, opts: { config: string; publicKey?: string[]; quiet: boolean }) => {
      const keyFiles = opts.publicKey ?? [loadConfig(opts.config).signing.publicKeyFile];
      const pems = keyFiles.map((f) => {
        try {
          return readFileSync(f, 'utf8');
        } catch (cause) {
          throw new WardenError('WARDEN_KEY_INVALID', `cannot read public key ${f}`, { cause });
        }
      });
      const verifier = createVerifier(pems);
      const input = file === '-' ? process.stdin : createReadStream(file);
      let valid = 0;
      let invalid = 0;
      let line = 0;
      for await (const text of createInterface({ input, crlfDelay: Infinity })) {
        line++;
        if (text.trim() === '') continue;
        let record: Signed & { decisionId?: string; identity?: string };
        try {
          record = JSON.parse(text) as Signed;
        } catch {
          invalid++;
          if (!opts.quiet) console.log(`${file}:${line}: not JSON`);
          continue;
        }
        if (verifier.verify(record)) valid++;
        else {
          invalid++;
          if (!opts.quiet) console.log(`${file}:${line}: BAD SIGNATURE ${record.decisionId ?? record.identity ?? ''}`);
        }
      }
      console.log(`${valid} valid, ${invalid} invalid`);
      process.exitCode = invalid > 0 ? 1 : 0;
    });
}
