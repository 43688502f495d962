/**
 * Wires the watchdog (watchdog.ts) to a live consumer: the group's lag per input partition read
 * from the broker (committed offsets against high watermarks, not from the member's own batches:
 * it is needed exactly when no batch completes), the restart metric and the log line.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { WardenConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import { ConsumerWatchdog, WatchdogLoop } from './watchdog.js';

/** `topic:partition` → high watermark minus the group's committed offset (the low watermark if none). */
export async function groupLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<Map<string, number>> {
  const lag = new Map<string, number>();
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const end of ends) {
      const offset = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? '-1');
      const from = offset >= 0 ? offset : Number(end.low);
      lag.set(`${topic}:${end.partition}`, Math.max(0, Number(end.high) - from));
    }
  }
  return lag;
}

export interface RunningWatchdog {
  batchCompleted(): void;
  /** kafkajs' GROUP_JOIN `memberAssignment`: topic → partitions. */
  assigned(assignment: Record<string, number[]>): void;
  stop(): Promise<void>;
}

export interface ConsumerWatchdogOptions {
  kafka: Kafka;
  config: WardenConfig;
  logger: Logger;
  metrics: PipelineMetrics;
  restart: () => Promise<void>;
  /** A restart that did not finish in time: the process should exit and be restarted. */
  onFatal: (err: Error) => void;
  now?: () => number;
}

/** Starts the watchdog of `pipeline.watchdog`, or returns null when it is off (stallSeconds 0). */
export function startConsumerWatchdog(options: ConsumerWatchdogOptions): RunningWatchdog | null {
  const { kafka, config, metrics } = options;
  const stallMs = config.pipeline.watchdog.stallSeconds * 1000;
  if (stallMs <= 0) return null;
  const now = options.now ?? Date.now;
  const log = options.logger.child({ component: 'watchdog' });
  const topics = config.kafka.inputs.map((i) => i.topic);
  const watchdog = new ConsumerWatchdog(stallMs, now());
  let admin: Admin | null = null;
  const loop = new WatchdogLoop({
    watchdog,
    stallMs,
    now,
    sampleLag: async () => {
      if (admin === null) {
        const fresh = kafka.admin();
        await fresh.connect();
        admin = fresh;
      }
      return groupLag(admin, config.kafka.groupId, topics);
    },
    restart: options.restart,
    onRestart: (verdict) => {
      metrics.consumerRestarts.inc({ reason: 'watchdog' });
      log.error({ stalledMs: verdict.stalledMs, grown: verdict.grown }, `no batch completed for ${Math.round(verdict.stalledMs / 1000)} s while the lag of ${verdict.grown.length} partition(s) grew: restarting the consumer`);
    },
    onRestartFailed: (err) => {
      log.error({ err }, 'the watchdog could not restart the consumer; exiting so that the supervisor restarts the process');
      options.onFatal(err);
    },
    onSampleError: (err) => log.warn({ err }, 'could not read the consumer group lag'),
  });
  loop.start();
  return {
    batchCompleted: () => watchdog.batchCompleted(now()),
    assigned: (assignment) => watchdog.assigned(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}:${p}`))),
    stop: async () => {
      loop.stop();
      const open = admin as Admin | null;
      admin = null;
      await open?.disconnect().catch(() => undefined);
    },
  };
}
