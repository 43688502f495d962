import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { createLogger } from '../../observability/logger.js';
import { createKafka } from '../../pipeline/kafka-client.js';
import { createEnforcer } from '../../enforcer/enforcer.js';
import { publicKeysFrom } from '../shared/blocks-io.js';
import { collectRepeated, intFlag } from '../support/flags.js';

interface ListOptions {
  config: string;
  json: boolean;
  publicKey?: string[];
  timeout: string;
}

export function registerBlocksCommand(program: Command): void {
  const blocks = program.command('blocks').description('inspect the block table enforcers apply');
  blocks
    .command('list')
    .description('active blocks (identity, token, reason, source, expiry), read from the compacted blocks topic to its end')
    .option('--json', 'one JSON object per line instead of a table', false)
    .option('--public-key <file>', 'a trusted public key; repeat the option to trust several (a key rotation) (default: signing.publicKeyFile)', collectRepeated, [])
    .option('--timeout <ms>', 'give up if the topic cannot be read to its end in this time', '30000')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .action(async (opts: ListOptions) => {
      const timeout = intFlag('timeout', opts.timeout, 1);
      const config = loadConfig(opts.config);
      const logger = createLogger({ level: config.logging.level });
      const enforcer = createEnforcer({
        kafka: createKafka(config, logger, '-blocks-list'),
        topic: config.kafka.topics.blocks,
        publicKeys: publicKeysFrom(config, opts.publicKey),
        failMode: 'open',
        logger,
      });
      try {
        await enforcer.ready(timeout);
        const active = enforcer.list();
        const rejected = enforcer.stats().recordsRejected;
        if (opts.json) {
          for (const b of active) {
            console.log(JSON.stringify({ identity: b.identity, tokenId: b.tokenId ?? null, reason: b.reason, source: b.source, decisionId: b.decisionId, createdAt: b.createdAt, expiresAt: b.expiresAt, actions: b.actions ?? null }));
          }
        } else if (active.length === 0) {
          console.log('no active blocks');
        } else {
          const rows = active.map((b) => [b.tokenId ? `${b.identity} (token ${b.tokenId})` : b.identity, b.expiresAt ?? 'until lifted', b.source, b.actions ? b.actions.join(',') : 'all', b.reason]);
          const head = ['IDENTITY', 'EXPIRES', 'SOURCE', 'ACTIONS', 'REASON'];
          const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
          for (const row of [head, ...rows]) console.log(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
        }
        if (rejected > 0) console.error(`warning: ${rejected} record(s) on ${config.kafka.topics.blocks} failed signature or format checks and were ignored`);
      } finally {
        await enforcer.close();
      }
    });
}
