import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { WardenError } from '../../errors.js';
import { startSinksApp } from '../../notify/app.js';
import { createLogger } from '../../observability/logger.js';
import { collectRepeated } from '../support/flags.js';
import { serveUntilStopped } from '../support/serve.js';

export function registerSinksCommand(program: Command): void {
  program
    .command('sinks')
    .description('run the decision sinks outside the decision path: Slack / webhook notifications (notify.*) and OCSF Detection Findings (ocsf.*) for alert and block decisions, from the decisions topic in their own consumer group')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--public-key <file>', 'a trusted public key for decision signatures; repeat for a key rotation (default: signing.publicKeyFile)', collectRepeated, [])
    .action(async (opts: { config: string; publicKey: string[] }) => {
      const config = loadConfig(opts.config);
      const logger = createLogger({ level: config.logging.level });
      const publicKeys = opts.publicKey.length === 0 ? undefined : opts.publicKey.map((file) => {
        try {
          return readFileSync(file, 'utf8');
        } catch (cause) {
          throw new WardenError('WARDEN_KEY_INVALID', `cannot read public key ${file}: ${(cause as Error).message}`, { cause });
        }
      });
      const app = await startSinksApp(config, logger, { publicKeys });
      await serveUntilStopped(app, logger);
    });
}
