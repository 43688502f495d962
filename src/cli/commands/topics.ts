import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { createKafka } from '../../pipeline/kafka-client.js';
import { DEFAULT_TOPIC_LAYOUT, ensureTopics, topicSpecs } from '../../pipeline/topics.js';
import { createLogger } from '../../observability/logger.js';
import { intFlag } from '../support/flags.js';

export function registerTopicsCommand(program: Command): void {
  const topics = program.command('topics').description('manage Warden\'s Kafka topics');
  topics
    .command('create')
    .description('create the input, decisions, compacted blocks and approvals, audit and dead-letter topics that are missing')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--partitions <n>', 'partitions of input and decision topics', String(DEFAULT_TOPIC_LAYOUT.partitions))
    .option('--replication <n>', 'replication factor', String(DEFAULT_TOPIC_LAYOUT.replicationFactor))
    .option('--retention-days <n>', 'retention of the decisions topic in days', '7')
    .action(async (opts: { config: string; partitions: string; replication: string; retentionDays: string }) => {
      // Flag values are checked before anything reaches the broker.
      const layout = {
        ...DEFAULT_TOPIC_LAYOUT,
        partitions: intFlag('partitions', opts.partitions, 1),
        replicationFactor: intFlag('replication', opts.replication, 1),
        decisionsRetentionMs: intFlag('retention-days', opts.retentionDays, 1) * 24 * 3600 * 1000,
      };
      const config = loadConfig(opts.config);
      const logger = createLogger({ level: config.logging.level });
      const admin = createKafka(config, logger, '-admin').admin();
      await admin.connect();
      try {
        const specs = topicSpecs(config, layout);
        const created = await ensureTopics(admin, specs);
        for (const spec of specs) {
          const settings = (spec.configEntries ?? []).map((e) => `${e.name}=${e.value}`).join(' ');
          console.log(`${created.includes(spec.topic) ? 'created' : 'exists '}  ${spec.topic}  partitions=${spec.numPartitions} ${settings}`);
        }
      } finally {
        await admin.disconnect();
      }
    });
}
