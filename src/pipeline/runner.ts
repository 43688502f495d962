/**
 * `warden run`: the live pipeline's consumer loop. A kafkajs consumer-group member reads audit
 * records batch by batch and hands each chunk to `runChunk` (chunk-step.ts): the batch processor
 * (normalize, decide, block records, dead letters: batch-processor.ts), the decision publisher
 * (sign, encode, produce: decision-publisher.ts), then the profile updates through the store port
 * (with `pipeline.storeIntervalMs` > 0, the default, held per partition up to that long and then
 * written: learning-buffer.ts; a partition whose held learning could not be written is read again
 * from its last commit by a seek);
 * then it hands the chunk's offsets to the committer: decide → publish → learn → commit. Offsets
 * are committed only after the broker acknowledged everything the chunk produced and its learning
 * is stored (at-least-once decisions with deterministic ids; exactly-once baseline effect in the
 * store); the commit request itself runs beside the next chunk, coalesced with the chunks that
 * complete meanwhile (offset-committer.ts). This file keeps the lifecycle: group membership,
 * heartbeats, commits, lag.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import kafkajs from 'kafkajs';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { WardenConfig } from '../config/schema.js';
import type { Signer } from '../decisions/signing.js';
import { parseBlockMessage } from '../decisions/block-decoder.js';
import { BlocksFollower } from '../decisions/blocks-follower.js';
import { causeChain } from '../errors.js';
import { kafkaRetryOptions, RETRY_POLICIES } from '../retry.js';
import type { Logger } from '../observability/logger.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import { BatchProcessor, splitPartition } from './batch-processor.js';
import type { SourceRecord } from './batch-processor.js';
import { BlockTracker } from './block-tracker.js';
import { ApprovalOpener } from '../approvals/opener.js';
import { startConsumerWatchdog } from './consumer-watchdog.js';
import type { RunningWatchdog } from './consumer-watchdog.js';
import { countStoreFailure, runChunk } from './chunk-step.js';
import { DecisionPublisher } from './decision-publisher.js';
import { OffsetCommitter } from './offset-committer.js';
import type { PartitionOffset } from './offset-committer.js';
import type { BatchDecider, ProfileWriter, RecordNormalizer } from './ports.js';
import { StageClock } from './stage-clock.js';
import { createProducer } from './safe-producer.js';
import { LearningBuffer } from './learning-buffer.js';

// kafkajs is CommonJS: its error classes are not visible to ESM named imports.
const { KafkaJSError } = kafkajs;

export interface PipelineDeps {
  config: WardenConfig;
  kafka: Kafka;
  /** Normalizer per input topic (the topic's configured format). */
  normalizers: ReadonlyMap<string, RecordNormalizer>;
  decider: BatchDecider;
  /** Where a published batch's profile updates are stored (the baseline store). */
  store: ProfileWriter;
  signer: Signer;
  logger: Logger;
  metrics: PipelineMetrics;
  /** Wall clock in ms, for `decidedAt`-independent bookkeeping (block expiry, lag). */
  now?: () => number;
}

const MEMBERSHIP_ERRORS = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP']);

/** The kafkajs protocol error in `err`'s cause chain that says this member must rejoin its group. */
export function groupMembershipError(err: unknown): Error | null {
  for (const e of causeChain(err)) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && MEMBERSHIP_ERRORS.has(type)) return e;
  }
  return null;
}

export class DecisionPipeline {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly blocks: BlockTracker;
  private readonly processor: BatchProcessor;
  private readonly publisher: DecisionPublisher;
  private readonly clock: StageClock;
  private readonly blocksFollower: BlocksFollower;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly heartbeatMs: number;
  private readonly commits: OffsetCommitter;
  /** Published learning held per partition until written (`pipeline.storeIntervalMs` > 0), else null. */
  private readonly learning: LearningBuffer | null;
  /** Batches whose handling has begun and not ended (a graceful stop waits for them). */
  private inHand = 0;
  /** `topic:partition` of the batches in hand. */
  private readonly inHandPartitions = new Set<string>();
  /**
   * Per `topic:partition`, where the partition is read again from when its held learning was
   * dropped (`LearningBuffer.failed`): the offset after the last chunk whose commit was handed
   * over in this group generation, else the first offset read in it (the committed one).
   */
  private readonly readFrom = new Map<string, string>();
  private onIdle: (() => void) | null = null;
  private joined = false;
  private watchdog: RunningWatchdog | null = null;
  /** Called when the consumer stopped for good while it should be running. */
  onFatal?: (err: Error) => void;
  private running = false;

  constructor(private readonly deps: PipelineDeps) {
    const { config, kafka } = deps;
    this.log = deps.logger.child({ component: 'pipeline' });
    this.now = deps.now ?? Date.now;
    this.blocks = new BlockTracker(config.blocks);
    // Approve-mode refusals open approval requests (docs/approvals.md).
    const approvals = new ApprovalOpener(config.approvals, config.approvals.policyGrantTtlSeconds * 1000);
    // With `pipeline.storeIntervalMs` > 0 the stages' store is a learning buffer the decider loads
    // through (stages.ts); otherwise each chunk's learning is stored before its offsets are committed.
    this.learning = deps.store instanceof LearningBuffer ? deps.store : null;
    this.clock = new StageClock(deps.metrics);
    if (this.learning) {
      this.learning.onWriteError = (err, partition) => {
        const reporting = { metrics: deps.metrics, logger: this.log };
        if (countStoreFailure(err, partition, reporting)) this.log.warn({ err, partition }, 'the baseline store went away while storing the learning of published batches; reading them again from the last commit');
        // With a batch of the partition in hand, that batch reads it again at its next chunk.
        if (!this.inHandPartitions.has(partition)) this.readAgain(partition);
      };
      this.learning.timerWrite = (write) => this.clock.time('learn', write);
      const learning = this.learning;
      deps.metrics.learningHeld.count = () => learning.held();
    }
    this.processor = new BatchProcessor({ normalizers: deps.normalizers, decider: deps.decider, blocks: this.blocks, approvals, logger: this.log, metrics: deps.metrics, now: this.now, failMode: config.pipeline.failMode, ...(this.learning ? { learning: this.learning } : {}) });
    this.publisher = new DecisionPublisher({ signer: deps.signer, topics: config.kafka.topics, allow: config.decisions.allow, maxProduceBytes: config.pipeline.maxProduceBytes, metrics: deps.metrics });
    this.commits = new OffsetCommitter((offsets) => this.commitOffsets(offsets), config.pipeline.commitIntervalMs);
    // Every instance reads the whole blocks topic (its own group, no commits), like an enforcer.
    this.blocksFollower = new BlocksFollower({
      kafka,
      topic: config.kafka.topics.blocks,
      groupId: `${config.kafka.groupId}-blocks-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
      logger: this.log,
      onMessages: (messages) => this.observeBlocks(messages),
      onContact: () => undefined,
      onCaughtUp: () => this.log.debug('read the blocks topic to its end'),
    });
    this.heartbeatMs = config.kafka.heartbeatIntervalMs;
    this.consumer = kafka.consumer({
      groupId: config.kafka.groupId,
      sessionTimeout: config.kafka.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatMs,
      metadataMaxAge: config.kafka.metadataMaxAgeMs,
      // By default latency over CPU at low load: a fetch returns as soon as anything is there.
      minBytes: config.kafka.fetchMinBytes,
      maxWaitTimeInMs: config.kafka.fetchMaxWaitMs,
      // A dead broker costs about 12 s of retries before the metadata is read again (retry.ts).
      retry: {
        ...kafkaRetryOptions(RETRY_POLICIES.consumerGroup),
        // A long-running member never gives up: after any crash (a broker restart can surface as a
        // non-retriable protocol error) the consumer rejoins and resumes from the committed offsets.
        restartOnFailure: async (err: Error) => {
          this.log.error({ err }, 'consumer failed; restarting it');
          return this.running;
        },
      },
    });
    this.producer = createProducer(kafka, { metadataMaxAge: config.kafka.metadataMaxAgeMs, retry: kafkaRetryOptions(RETRY_POLICIES.consumerGroup), idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }, { logger: this.log });
    const c = this.consumer.events;
    this.consumer.on(c.GROUP_JOIN, (e) => {
      this.joined = true;
      // A new generation starts from the coordinator's offsets; what the last one did not commit
      // is read again (same decisions, not learned twice).
      this.commits.reset();
      this.learning?.reset();
      this.readFrom.clear();
      // The lag of partitions this member no longer holds is another member's (or thread's) to report.
      deps.metrics.consumerLag.reset();
      this.watchdog?.assigned(e.payload.memberAssignment);
      this.log.info({ memberId: e.payload.memberId, assignment: e.payload.memberAssignment }, 'joined consumer group');
    });
    this.consumer.on(c.REBALANCING, () => this.log.info('consumer group rebalancing'));
    this.consumer.on(c.CRASH, (e) => {
      this.joined = false;
      this.log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
      deps.metrics.consumerCrashes.inc({ restart: String(e.payload.restart) });
      // kafkajs gives up on errors it does not consider retriable: the process cannot recover by
      // itself, so it says so and lets its supervisor restart it (it resumes from the commits).
      if (!e.payload.restart && this.running) this.onFatal?.(e.payload.error);
    });
    this.consumer.on(c.DISCONNECT, () => {
      this.joined = false;
    });
  }

  /** True once the consumer is in the group and fetching. */
  get ready(): boolean {
    return this.running && this.joined;
  }

  async start(): Promise<void> {
    const { config } = this.deps;
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: config.kafka.inputs.map((i) => i.topic), fromBeginning: true });
    this.running = true;
    this.blocksFollower.start();
    try {
      await this.runConsumer();
      const restart = async (): Promise<void> => {
        await this.consumer.stop();
        await this.runConsumer();
      };
      this.watchdog = startConsumerWatchdog({ ...this.deps, restart, onFatal: (err) => this.onFatal?.(err) });
    } catch (err) {
      this.running = false;
      await this.blocksFollower.close();
      throw err;
    }
  }

  private runConsumer(): Promise<void> {
    const { config } = this.deps;
    return this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: config.pipeline.maxInFlightBatches,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** Closes whatever a failed `start` opened (the producer, a consumer that never ran). */
  async abort(): Promise<void> {
    this.running = false;
    await this.watchdog?.stop();
    await Promise.all([this.consumer.disconnect().catch(() => undefined), this.producer.disconnect().catch(() => undefined), this.blocksFollower.close()]);
  }

  /**
   * Graceful stop: finish the chunk in hand, commit everything completed, then close consumer and
   * producer. The commits go out before the consumer leaves (kafkajs sends none once it stops).
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.watchdog?.stop();
    if (this.inHand > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    await this.learning?.flush();
    await this.commits.flush().catch((err: unknown) => this.log.warn({ err }, 'the last commit failed; its chunks are read again on the next start'));
    await this.consumer.disconnect();
    await this.producer.disconnect();
    await this.blocksFollower.close();
  }

  /** Lifts read back from the blocks topic let the next block decision publish again. */
  private observeBlocks(messages: KafkaMessage[]): void {
    for (const message of messages) {
      const parsed = parseBlockMessage(message.key, message.value);
      if (!parsed.ok) continue;
      const { record } = parsed;
      if (this.blocks.observe(record, this.now())) {
        this.log.info({ identity: record.identity, tokenId: record.tokenId, source: record.source }, 'block lifted; the next block decision publishes a new block');
      }
    }
  }

  /**
   * A failure of Warden's own code while handling a batch restarts the consumer from the committed
   * offsets (with backoff) instead of stopping it, since kafkajs restarts only after errors it
   * considers retriable. kafkajs's own errors pass through untouched: it rejoins the group on
   * "rebalance in progress" by looking at their type.
   */
  private async onBatch(payload: EachBatchPayload): Promise<void> {
    try {
      await this.handleBatch(payload);
    } catch (err) {
      // A commit refused because the group moved on (this member was dropped, or a new generation
      // began) reaches us wrapped as non-retriable, which would stop the consumer for good. The
      // protocol error itself makes kafkajs rejoin; the batch is decided again (same ids).
      const membership = groupMembershipError(err);
      if (membership) throw membership;
      if (err instanceof KafkaJSError) throw err;
      throw new KafkaJSError(err instanceof Error ? err : String(err), { retriable: true });
    }
  }

  /**
   * Backpressure: kafkajs fetches again only once the batches in hand are done, so while Redis or
   * the producer is slow nothing more is read (at most `maxInFlightBatches` batches and one fetch
   * response are held). Meanwhile the member keeps heartbeating, so a slow store or broker does not
   * also cost a rebalance.
   */
  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { heartbeat } = payload;
    const key = `${payload.batch.topic}:${payload.batch.partition}`;
    this.inHand++;
    this.inHandPartitions.add(key);
    let failed: unknown = null;
    let completed = false;
    const keepAlive = setInterval(() => {
      heartbeat().catch((err: unknown) => {
        failed ??= err;
      });
    }, this.heartbeatMs);
    try {
      await this.handleChunks(payload, () => {
        // A rebalance seen by the background heartbeat, or a refused commit, stops the batch at
        // the next chunk.
        if (failed !== null) throw failed;
        this.commits.takeFailure();
      });
      completed = true;
    } finally {
      clearInterval(keepAlive);
      this.inHandPartitions.delete(key);
      // Held learning dropped while the batch was in hand, after its last chunk began: read again
      // from here (a batch that failed is read again anyway, as kafkajs restarts the consumer).
      if (completed && this.learning?.failed(key)) this.readAgain(key);
      if (--this.inHand === 0 && this.onIdle) {
        this.onIdle();
        this.onIdle = null;
      }
    }
  }

  private async handleChunks({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload, check: () => void): Promise<void> {
    const { topic, partition } = batch;
    const key = `${topic}:${partition}`;
    const max = this.deps.config.pipeline.maxBatchSize;
    for (let i = 0; i < batch.messages.length; i += max) {
      check();
      if (!this.running || !isRunning() || isStale()) return;
      // Held learning of the partition was dropped (a write refused because the store went away):
      // the rest of this batch is read again too, after the chunks before it.
      if (this.learning?.failed(key)) return this.readAgain(key);
      const messages = batch.messages.slice(i, i + max);
      if (!this.readFrom.has(key) && messages[0]) this.readFrom.set(key, messages[0].offset);
      const generation = this.learning?.generation(key);
      try {
        await runChunk(
          messages.map((m) => toSourceRecord(topic, partition, m)),
          { processor: this.processor, publisher: this.publisher, producer: this.producer, store: this.learning ?? this.deps.store, clock: this.clock, metrics: this.deps.metrics, logger: this.log, now: this.now },
        );
      } catch (err) {
        // What the chunk's decide changed in the held profiles was not published: never written.
        this.learning?.discard(key);
        throw err;
      }
      const last = messages[messages.length - 1]?.offset ?? batch.lastOffset();
      resolveOffset(last);
      // Published, and learned once the held learning is written: then the offset may be committed
      // (beside the next chunk, coalesced).
      const next = (BigInt(last) + 1n).toString();
      const commit = (): void => {
        this.readFrom.set(key, next);
        this.commits.done(topic, partition, next);
      };
      if (this.learning) this.learning.whenStored(key, commit, generation);
      else commit();
      this.watchdog?.batchCompleted();
      this.deps.metrics.consumerLag.set({ topic, partition: String(partition) }, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last) - 1n)));
      await heartbeat();
    }
  }

  /**
   * Reads a partition whose held learning was dropped again from its last commit, with no chunk of
   * it in hand: a seek (the next fetch starts there; a batch fetched before it is stale), not a
   * rejoin of the group. The learning buffer starts a new generation of the partition, so nothing
   * of the chunks before the seek is committed.
   */
  private readAgain(key: string): void {
    const from = this.readFrom.get(key);
    const [topic, part] = splitPartition(key);
    const partition = Number(part);
    this.learning?.readAgain(key);
    if (from === undefined) return;
    this.deps.metrics.learningReadAgain.inc();
    try {
      this.consumer.seek({ topic, partition, offset: from });
      this.log.info({ topic, partition, offset: from }, 'reading the partition again from its last commit: its held learning was not stored');
    } catch (err) {
      // The consumer is not running (stopping, or restarting after a crash): it rejoins the group
      // and reads every partition from the last commit anyway.
      this.log.warn({ err, topic, partition }, 'could not seek the partition to read it again; it is read again once the consumer rejoins');
    }
  }

  /** One commit request of the committer, timed as the `commit` stage. */
  private async commitOffsets(offsets: PartitionOffset[]): Promise<void> {
    await this.clock.time('commit', () => this.consumer.commitOffsets(offsets));
  }
}

function toSourceRecord(topic: string, partition: number, m: KafkaMessage): SourceRecord {
  return { topic, partition, offset: m.offset, value: m.value, timestamp: m.timestamp };
}
