/**
 * The topics Warden writes: decisions (retention by time), blocks (compacted: the latest record
 * per identity is the block table enforcers rebuild from), approvals (compacted: current state of
 * each request) and audit (every approval transition, kept), the dead-letter queue, the OCSF
 * findings of `warden sinks` and, when configured, its notification dead letters.
 */
import type { Admin, ITopicConfig } from 'kafkajs';
import type { WardenConfig } from '../config/schema.js';
import { WardenError } from '../errors.js';
import type { WardenErrorCode } from '../errors.js';

export interface TopicLayout {
  partitions: number;
  replicationFactor: number;
  /**
   * `min.insync.replicas` of every topic, or null for the broker's default. With 2 of 3 replicas
   * in sync required, an acks=all write survives one broker's loss, and a second loss stops writes
   * instead of keeping records on one disk only.
   */
  minInSyncReplicas: number | null;
  /** Retention of the decisions topic in ms. @defaultValue 7 days */
  decisionsRetentionMs: number;
  /** Retention of the dead-letter topic in ms. @defaultValue 14 days */
  dlqRetentionMs: number;
}

export const DEFAULT_TOPIC_LAYOUT: TopicLayout = {
  partitions: 6,
  replicationFactor: 1,
  minInSyncReplicas: null,
  decisionsRetentionMs: 7 * 24 * 3600 * 1000,
  dlqRetentionMs: 14 * 24 * 3600 * 1000,
};

export interface ReplicationChoice {
  replicationFactor: number;
  minInSyncReplicas: number | null;
}

/**
 * The replication a cluster of `brokers` live brokers can hold: as many replicas as brokers, up to
 * 3, and `min.insync.replicas` 2 once there are 3 (so one broker may fail without losing an
 * acknowledged write or stopping the stream). `requested` values (config or flags) win, but a
 * factor the cluster cannot place, or a minimum above the factor, is refused with `code` here
 * rather than by the broker's terse "replication factor larger than available brokers".
 */
export function replicationFor(
  brokers: number,
  requested: { replicationFactor?: number | undefined; minInSyncReplicas?: number | undefined } = {},
  code: WardenErrorCode = 'WARDEN_CONFIG_INVALID',
): ReplicationChoice {
  const live = Math.max(1, brokers);
  const replicationFactor = requested.replicationFactor ?? Math.min(3, live);
  if (replicationFactor > live) {
    throw new WardenError(code, `replication factor ${replicationFactor} needs ${replicationFactor} brokers, but the Kafka cluster has ${live} live; lower it or start more brokers`);
  }
  const minInSyncReplicas = requested.minInSyncReplicas ?? (replicationFactor >= 3 ? 2 : null);
  if (minInSyncReplicas !== null && minInSyncReplicas > replicationFactor) {
    throw new WardenError(code, `min.insync.replicas ${minInSyncReplicas} is above the replication factor ${replicationFactor}: no write could ever succeed`);
  }
  return { replicationFactor, minInSyncReplicas };
}

/** `base` with the replication `replicationFor` picks for the cluster `admin` talks to. */
export async function clusterTopicLayout(
  admin: Admin,
  config: WardenConfig,
  base: TopicLayout = DEFAULT_TOPIC_LAYOUT,
  requested: { replicationFactor?: number | undefined; minInSyncReplicas?: number | undefined } = {},
  code: WardenErrorCode = 'WARDEN_CONFIG_INVALID',
): Promise<TopicLayout> {
  const { brokers } = await admin.describeCluster();
  const wanted = {
    replicationFactor: requested.replicationFactor ?? config.kafka.replicationFactor,
    minInSyncReplicas: requested.minInSyncReplicas ?? config.kafka.minInSyncReplicas,
  };
  return { ...base, ...replicationFor(brokers.length, wanted, code) };
}

type ConfigEntry = { name: string; value: string };

/** A topic whose records are deleted after `retentionMs` (-1: kept). */
function retainedLog(topic: string, numPartitions: number, replicationFactor: number, retentionMs: number, isr: readonly ConfigEntry[]): ITopicConfig {
  return {
    topic,
    numPartitions,
    replicationFactor,
    configEntries: [{ name: 'cleanup.policy', value: 'delete' }, { name: 'retention.ms', value: String(retentionMs) }, ...isr],
  };
}

/** A compacted, single-partition table topic (blocks, approvals). */
function compactedTable(topic: string, replicationFactor: number, isr: readonly ConfigEntry[]): ITopicConfig {
  return {
    topic,
    numPartitions: 1,
    replicationFactor,
    configEntries: [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'min.compaction.lag.ms', value: '0' },
      { name: 'segment.ms', value: String(3600 * 1000) },
      { name: 'delete.retention.ms', value: String(24 * 3600 * 1000) },
      ...isr,
    ],
  };
}

export function topicSpecs(config: WardenConfig, layout: TopicLayout = DEFAULT_TOPIC_LAYOUT): ITopicConfig[] {
  const { partitions, replicationFactor } = layout;
  const isr = layout.minInSyncReplicas === null ? [] : [{ name: 'min.insync.replicas', value: String(layout.minInSyncReplicas) }];
  const inputs = config.kafka.inputs.map((input) => ({ topic: input.topic, numPartitions: partitions, replicationFactor, ...(isr.length > 0 ? { configEntries: isr } : {}) }));
  const log = (topic: string, numPartitions: number, retentionMs: number): ITopicConfig => retainedLog(topic, numPartitions, replicationFactor, retentionMs, isr);
  return [
    ...inputs,
    log(config.kafka.topics.decisions, partitions, layout.decisionsRetentionMs),
    // Blocks and approvals are tables every enforcer reads whole: one partition (order across
    // identities kept), compacted to the latest record per key.
    compactedTable(config.kafka.topics.blocks, replicationFactor, isr),
    compactedTable(config.kafka.topics.approvals, replicationFactor, isr),
    // The approval history is the audit trail: kept until someone decides otherwise.
    log(config.kafka.topics.audit, 1, -1),
    log(config.kafka.topics.dlq, 1, layout.dlqRetentionMs),
    log(config.kafka.topics.findings, partitions, layout.decisionsRetentionMs),
    ...(config.notify.deadLetter.topic === null ? [] : [log(config.notify.deadLetter.topic, 1, layout.dlqRetentionMs)]),
  ];
}

/** Errors of a metadata request for a topic the brokers have not all learned about yet. */
const NOT_YET_KNOWN = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Waits until every partition of `topics` has a leader. kafkajs' own `waitForLeaders` asks one
 * broker once and gives up on "does not host this topic-partition", which a KRaft cluster of
 * several brokers answers until each has applied the new topic's metadata.
 */
export async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let lastError: unknown = null;
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.length === topics.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (!NOT_YET_KNOWN.has(String((err as { type?: unknown }).type))) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new WardenError('WARDEN_KAFKA_UNAVAILABLE', `the partitions of ${topics.join(', ')} have no leader ${timeoutMs / 1000} s after their creation`, { cause: lastError, retriable: true });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Creates the topics that do not exist yet and waits for their leaders; returns the names it created. */
export async function ensureTopics(admin: Admin, specs: ITopicConfig[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.topic));
  if (missing.length > 0) {
    await admin.createTopics({ topics: missing, waitForLeaders: false });
    await waitForLeaders(admin, missing.map((spec) => spec.topic));
  }
  return missing.map((spec) => spec.topic);
}
