import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { createKafka } from '../../pipeline/kafka-client.js';
import { DEFAULT_TOPIC_LAYOUT, clusterTopicLayout, ensureTopics, topicSpecs } from '../../pipeline/topics.js';
import { createLogger } from '../../observability/logger.js';
import { intFlag } from '../support/flags.js';

export function registerTopicsCommand(program: Command): void {
  const topics = program.command('topics').description('manage Warden\'s Kafka topics');
  topics
    .command('create')
    .description('create the input, decisions, compacted blocks and approvals, audit and dead-letter topics that are missing')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--partitions <n>', 'partitions of input and decision topics', String(DEFAULT_TOPIC_LAYOUT.partitions))
    .option('--replication <n>', 'replication factor (default: kafka.replicationFactor, else the live brokers up to 3)')
    .option('--min-insync <n>', 'min.insync.replicas of every topic (default: kafka.minInSyncReplicas, else 2 with 3 or more replicas)')
    .option('--retention-days <n>', 'retention of the decisions topic in days', '7')
    .action(async (opts: { config: string; partitions: string; replication?: string; minInsync?: string; retentionDays: string }) => {
      // Flag values are checked before anything reaches the broker.
      const base = {
        ...DEFAULT_TOPIC_LAYOUT,
        partitions: intFlag('partitions', opts.partitions, 1),
        decisionsRetentionMs: intFlag('retention-days', opts.retentionDays, 1) * 24 * 3600 * 1000,
      };
      const requested = {
        replicationFactor: opts.replication === undefined ? undefined : intFlag('replication', opts.replication, 1),
        minInSyncReplicas: opts.minInsync === undefined ? undefined : intFlag('min-insync', opts.minInsync, 1),
      };
      const config = loadConfig(opts.config);
      const logger = createLogger({ level: config.logging.level });
      const admin = createKafka(config, logger, '-admin').admin();
      await admin.connect();
      try {
        const layout = await clusterTopicLayout(admin, config, base, requested, requested.replicationFactor === undefined && requested.minInSyncReplicas === undefined ? 'WARDEN_CONFIG_INVALID' : 'WARDEN_USAGE');
        const specs = topicSpecs(config, layout);
        const created = await ensureTopics(admin, specs);
        const existing = specs.filter((spec) => !created.includes(spec.topic)).map((spec) => spec.topic);
        // A topic that was there already keeps its layout: show what it has, not what it would get.
        const actual = new Map((existing.length > 0 ? (await admin.fetchTopicMetadata({ topics: existing })).topics : []).map((t) => [t.name, t] as const));
        for (const spec of specs) {
          const have = actual.get(spec.topic);
          if (!have) {
            const settings = (spec.configEntries ?? []).map((e) => `${e.name}=${e.value}`).join(' ');
            console.log(`created  ${spec.topic}  partitions=${spec.numPartitions} replicas=${spec.replicationFactor} ${settings}`);
            continue;
          }
          const replicas = Math.min(...have.partitions.map((p) => p.replicas.length));
          const short = replicas < layout.replicationFactor ? `  (fewer replicas than the ${layout.replicationFactor} this cluster holds; raise it with a partition reassignment)` : '';
          console.log(`exists   ${spec.topic}  partitions=${have.partitions.length} replicas=${replicas}${short}`);
        }
      } finally {
        await admin.disconnect();
      }
    });
}
