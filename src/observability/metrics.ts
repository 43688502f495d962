/**
 * Prometheus metrics (prom-client). One registry per pipeline instance so tests and several
 * pipelines in one process do not collide. Names follow `warden_<thing>_<unit>`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BulkHistogram } from './bulk-histogram.js';

/** Buckets of the per-event lag histograms, seconds. */
const LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface PipelineMetrics {
  registry: Registry;
  eventsIn: Counter<'topic' | 'format'>;
  decisions: Counter<'verdict' | 'mode'>;
  dlq: Counter<'reason'>;
  recordsWithoutEvents: Counter<'topic'>;
  blocksPublished: Counter<'state'>;
  batchSeconds: Histogram<'stage'>;
  /** Observed for every event, a batch at a time (bulk-histogram.ts). */
  endToEndLagSeconds: BulkHistogram;
  /** The part of the end-to-end lag before an event's chunk begins: in the broker, the fetch, and behind other batches. */
  pickupLagSeconds: BulkHistogram;
  storeErrors: Counter<'kind'>;
  consumerCrashes: Counter<'restart'>;
  consumerRestarts: Counter<'reason'>;
  /**
   * `warden_learning_held_profiles`, read at each scrape: profiles whose published learning is held
   * in memory, not yet written (`pipeline.storeIntervalMs`). The runner sets `count`.
   */
  learningHeld: { count: () => number };
  /** Partitions read again from their last commit because their held learning could not be written. */
  learningReadAgain: Counter;
  degraded: Gauge;
  consumerLag: Gauge<'topic' | 'partition'>;
  policyVersion: Gauge<'version'>;
  modelInfo: Gauge<'version' | 'backend'>;
}

export function createPipelineMetrics(options: { defaultMetrics?: boolean } = {}): PipelineMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'warden_' });
  const registers = [registry];
  const learningHeld = { count: (): number => 0 };
  new Gauge({
    name: 'warden_learning_held_profiles',
    help: 'Profiles whose published learning is held in memory and not yet written to the baseline store (pipeline.storeIntervalMs)',
    registers,
    collect() {
      this.set(learningHeld.count());
    },
  });
  return {
    registry,
    eventsIn: new Counter({ name: 'warden_events_in_total', help: 'Audit events normalized, by input topic and source format', labelNames: ['topic', 'format'], registers }),
    decisions: new Counter({ name: 'warden_decisions_total', help: 'Decisions published, by verdict and mode', labelNames: ['verdict', 'mode'], registers }),
    dlq: new Counter({ name: 'warden_dlq_total', help: 'Records sent to the dead-letter topic, by reason', labelNames: ['reason'], registers }),
    recordsWithoutEvents: new Counter({ name: 'warden_records_without_events_total', help: 'Well-formed records that held no event (an empty CloudTrail Records list, an empty JSON array): with decisions and dead letters, every record is accounted for', labelNames: ['topic'], registers }),
    blocksPublished: new Counter({ name: 'warden_blocks_published_total', help: 'Block and lift records published', labelNames: ['state'], registers }),
    batchSeconds: new Histogram({
      name: 'warden_batch_duration_seconds',
      help: 'Time to process one batch, by stage (normalize, decide, publish, learn, commit, total)',
      labelNames: ['stage'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    endToEndLagSeconds: new BulkHistogram(
      'warden_end_to_end_lag_seconds',
      'From the audit record\'s Kafka timestamp to its decision being acknowledged',
      LAG_BUCKETS,
      registers,
    ),
    pickupLagSeconds: new BulkHistogram(
      'warden_pickup_lag_seconds',
      'From the audit record\'s Kafka timestamp to its chunk beginning through the pipeline (time in the broker, in the fetch, and behind the batches before it): the part of the end-to-end lag before Warden works on the event',
      LAG_BUCKETS,
      registers,
    ),
    storeErrors: new Counter({ name: 'warden_store_errors_total', help: 'Baseline store errors', labelNames: ['kind'], registers }),
    consumerCrashes: new Counter({ name: 'warden_consumer_crashes_total', help: 'Consumer crashes, by whether the consumer restarted itself', labelNames: ['restart'], registers }),
    consumerRestarts: new Counter({ name: 'warden_consumer_restarts_total', help: 'Consumer restarts Warden ordered itself, by reason (watchdog: lag grew while no batch completed)', labelNames: ['reason'], registers }),
    learningHeld,
    learningReadAgain: new Counter({ name: 'warden_learning_read_again_total', help: 'Partitions read again from their last commit because a write of their held learning failed (the store went away, or no replica acknowledged it)', registers }),
    degraded: new Gauge({ name: 'warden_degraded', help: '1 while decisions are made without the baseline store (failMode)', registers }),
    consumerLag: new Gauge({ name: 'warden_consumer_lag_messages', help: 'High watermark minus the last processed offset, per input partition', labelNames: ['topic', 'partition'], registers }),
    // Info gauges: with pipeline threads, the host shows each version once (max), not summed.
    policyVersion: new Gauge({ name: 'warden_policy_info', help: 'The policy version in force (value 1)', labelNames: ['version'], registers, aggregator: 'max' }),
    modelInfo: new Gauge({ name: 'warden_model_info', help: 'The model version and tfjs backend in use (value 1)', labelNames: ['version', 'backend'], registers, aggregator: 'max' }),
  };
}
