import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { createLogger } from '../../observability/logger.js';
import { operatorLiftRecord } from '../../enforcer/operator-records.js';
import { operatorName, publishSigned } from '../shared/blocks-io.js';

export function registerUnblockCommand(program: Command): void {
  program
    .command('unblock')
    .description('lift a block on an identity (or one of its tokens): publishes a signed lift record')
    .argument('<identity>', 'the identity to unblock')
    .option('--token <id>', 'lift the block on this token only')
    .option('-r, --reason <text>', 'why the block is lifted', 'lifted by operator')
    .option('--operator <name>', 'who is lifting (default: WARDEN_OPERATOR or the OS user)')
    .option('--private-key <file>', 'signing key (default: signing.privateKeyFile)')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .action(async (identity: string, opts: { config: string; token?: string; reason: string; operator?: string; privateKey?: string }) => {
      const config = loadConfig(opts.config);
      const logger = createLogger({ level: config.logging.level });
      const record = operatorLiftRecord({ identity, ...(opts.token ? { tokenId: opts.token } : {}), reason: opts.reason, operator: operatorName(opts.operator), nowMs: Date.now() });
      const signed = await publishSigned(config, logger, record, opts.privateKey);
      console.log(`lifted block on ${signed.tokenId ? `${signed.identity} (token ${signed.tokenId})` : signed.identity}`);
    });
}
