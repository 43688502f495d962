/**
 * The topics Warden writes: decisions (retention by time), blocks (compacted: the latest record
 * per identity is the block table enforcers rebuild from), approvals (compacted: current state of
 * each request) and audit (every approval transition, kept), the dead-letter queue, the OCSF
 * findings of `warden sinks` and, when configured, its notification dead letters.
 */
import type { Admin, ITopicConfig } from 'kafkajs';
import type { WardenConfig } from '../config/schema.js';

export interface TopicLayout {
  partitions: number;
  replicationFactor: number;
  /** Retention of the decisions topic in ms. @defaultValue 7 days */
  decisionsRetentionMs: number;
  /** Retention of the dead-letter topic in ms. @defaultValue 14 days */
  dlqRetentionMs: number;
}

export const DEFAULT_TOPIC_LAYOUT: TopicLayout = {
  partitions: 6,
  replicationFactor: 1,
  decisionsRetentionMs: 7 * 24 * 3600 * 1000,
  dlqRetentionMs: 14 * 24 * 3600 * 1000,
};

export function topicSpecs(config: WardenConfig, layout: TopicLayout = DEFAULT_TOPIC_LAYOUT): ITopicConfig[] {
  const { partitions, replicationFactor } = layout;
  const inputs = config.kafka.inputs.map((input) => ({ topic: input.topic, numPartitions: partitions, replicationFactor }));
  return [
    ...inputs,
    {
      topic: config.kafka.topics.decisions,
      numPartitions: partitions,
      replicationFactor,
      configEntries: [
        { name: 'cleanup.policy', value: 'delete' },
        { name: 'retention.ms', value: String(layout.decisionsRetentionMs) },
      ],
    },
    {
      topic: config.kafka.topics.blocks,
      // One partition: every enforcer reads the whole table anyway, and order across identities is kept.
      numPartitions: 1,
      replicationFactor,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'min.compaction.lag.ms', value: '0' },
        { name: 'segment.ms', value: String(3600 * 1000) },
        { name: 'delete.retention.ms', value: String(24 * 3600 * 1000) },
      ],
    },
    {
      topic: config.kafka.topics.approvals,
      // One partition, like blocks: every enforcer reads the whole table.
      numPartitions: 1,
      replicationFactor,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'min.compaction.lag.ms', value: '0' },
        { name: 'segment.ms', value: String(3600 * 1000) },
        { name: 'delete.retention.ms', value: String(24 * 3600 * 1000) },
      ],
    },
    {
      topic: config.kafka.topics.audit,
      numPartitions: 1,
      replicationFactor,
      // The approval history is the audit trail: kept until someone decides otherwise.
      configEntries: [
        { name: 'cleanup.policy', value: 'delete' },
        { name: 'retention.ms', value: '-1' },
      ],
    },
    {
      topic: config.kafka.topics.dlq,
      numPartitions: 1,
      replicationFactor,
      configEntries: [
        { name: 'cleanup.policy', value: 'delete' },
        { name: 'retention.ms', value: String(layout.dlqRetentionMs) },
      ],
    },
    {
      topic: config.kafka.topics.findings,
      numPartitions: partitions,
      replicationFactor,
      configEntries: [
        { name: 'cleanup.policy', value: 'delete' },
        { name: 'retention.ms', value: String(layout.decisionsRetentionMs) },
      ],
    },
    ...(config.notify.deadLetter.topic === null
      ? []
      : [
          {
            topic: config.notify.deadLetter.topic,
            numPartitions: 1,
            replicationFactor,
            configEntries: [
              { name: 'cleanup.policy', value: 'delete' },
              { name: 'retention.ms', value: String(layout.dlqRetentionMs) },
            ],
          },
        ]),
  ];
}

/** Creates the topics that do not exist yet; returns the names it created. */
export async function ensureTopics(admin: Admin, specs: ITopicConfig[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.topic));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  return missing.map((spec) => spec.topic);
}
