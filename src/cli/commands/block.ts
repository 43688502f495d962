import type { Command } from 'commander';
import { WardenError } from '../../errors.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { createLogger } from '../../observability/logger.js';
import { operatorBlockRecord, parseDuration } from '../../enforcer/operator-records.js';
import { operatorName, publishSigned } from '../shared/blocks-io.js';

interface BlockOptions {
  config: string;
  reason: string;
  ttl?: string;
  token?: string;
  action?: string[];
  operator?: string;
  privateKey?: string;
}

export function registerBlockCommand(program: Command): void {
  program
    .command('block')
    .description('block an identity (or one of its tokens) now: publishes a signed block record every enforcer applies')
    .argument('<identity>', 'the identity to block')
    .requiredOption('-r, --reason <text>', 'why (shown in 403 bodies and `warden blocks list`)')
    .option('--ttl <duration>', 'how long the block lasts: 90s, 15m, 1h, 2d or never (default: blocks.ttlSeconds)')
    .option('--token <id>', 'block only this token / credential id of the identity')
    .option('--action <pattern...>', 'block only these actions (`*` wildcard, e.g. "iam:*" or "POST /admin/*")')
    .option('--operator <name>', 'who is blocking (default: WARDEN_OPERATOR or the OS user)')
    .option('--private-key <file>', 'signing key (default: signing.privateKeyFile)')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .action(async (identity: string, opts: BlockOptions) => {
      if (opts.reason.trim() === '') throw new WardenError('WARDEN_USAGE', '--reason must say why the identity is blocked');
      const config = loadConfig(opts.config);
      const logger = createLogger({ level: config.logging.level });
      const ttlMs = opts.ttl === undefined ? config.blocks.ttlSeconds * 1000 : parseDuration(opts.ttl);
      const record = operatorBlockRecord({
        identity,
        ...(opts.token ? { tokenId: opts.token } : {}),
        reason: opts.reason,
        ttlMs,
        ...(opts.action ? { actions: opts.action } : {}),
        operator: operatorName(opts.operator),
        nowMs: Date.now(),
      });
      const signed = await publishSigned(config, logger, record, opts.privateKey);
      const target = signed.tokenId ? `${signed.identity} (token ${signed.tokenId})` : signed.identity;
      console.log(`blocked ${target} until ${signed.expiresAt ?? 'lifted'}: ${signed.reason}`);
    });
}
