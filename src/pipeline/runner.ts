/**
 * `warden run`: the live pipeline. A kafkajs consumer-group member reads audit records batch by
 * batch, normalizes them, decides every event through the same decider replay uses, signs the
 * decisions, and publishes decisions, block records and dead letters in one `sendBatch`. The
 * batch's offsets are committed only after the broker acknowledged everything it produced
 * (at-least-once decisions with deterministic ids; exactly-once baseline effect in the store).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import kafkajs, { Partitioners } from 'kafkajs';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message, Producer, TopicMessages } from 'kafkajs';
import type { WardenConfig } from '../config/schema.js';
import { blockKey } from '../decisions/block-record.js';
import type { Decision } from '../decisions/decision.js';
import type { Signer } from '../decisions/signing.js';
import { parseBlockMessage } from '../enforcer/block-decoder.js';
import { BlocksFollower } from '../enforcer/blocks-follower.js';
import { causeChain, isWardenError } from '../errors.js';
import type { WardenEvent } from '../events/event.js';
import type { Logger } from '../observability/logger.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import { BlockTracker } from './block-tracker.js';
import { ApprovalOpener } from '../approvals/opener.js';
import { startConsumerWatchdog } from './consumer-watchdog.js';
import type { RunningWatchdog } from './consumer-watchdog.js';
import { deadLetterMessage, decideFailure } from './dead-letters.js';
import type { BatchDecider, DeadLetter, RecordNormalizer } from './ports.js';
import { splitRequests } from './produce-requests.js';

// kafkajs is CommonJS: its error classes are not visible to ESM named imports.
const { KafkaJSError } = kafkajs;

export interface PipelineDeps {
  config: WardenConfig;
  kafka: Kafka;
  /** Normalizer per input topic (the topic's configured format). */
  normalizers: ReadonlyMap<string, RecordNormalizer>;
  decider: BatchDecider;
  signer: Signer;
  logger: Logger;
  metrics: PipelineMetrics;
  /** Wall clock in ms, for `decidedAt`-independent bookkeeping (block expiry, lag). */
  now?: () => number;
}

interface Chunk {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
}

function isStoreUnavailable(err: unknown): boolean {
  return isWardenError(err) && (err.code === 'WARDEN_STORE_UNAVAILABLE' || (err.code !== 'WARDEN_STORE_SCRIPT' && err.retriable));
}

/** Retries of the consumer and producer: see the consumer's options. */
const DEAD_BROKER_RETRY = { retries: 8, initialRetryTime: 300, maxRetryTime: 2000 } as const;

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
  /** Opens approval requests for approve-mode refusals (docs/approvals.md). */
  private readonly approvalOpener: ApprovalOpener;
  private readonly blocksFollower: BlocksFollower;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly heartbeatMs: number;
  private joined = false;
  private watchdog: RunningWatchdog | null = null;
  /** Called when the consumer stopped for good while it should be running. */
  onFatal?: (err: Error) => void;
  private running = false;
  private degraded = false;

  constructor(private readonly deps: PipelineDeps) {
    const { config, kafka } = deps;
    this.log = deps.logger.child({ component: 'pipeline' });
    this.now = deps.now ?? Date.now;
    this.blocks = new BlockTracker(config.blocks);
    this.approvalOpener = new ApprovalOpener(config.approvals, config.approvals.policyGrantTtlSeconds * 1000);
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
      // Latency over throughput at low load: a fetch returns as soon as anything is there.
      maxWaitTimeInMs: 50,
      // A dead broker is retried with this budget before the error surfaces and the metadata is
      // read again (kafkajs retries the connection to a partition's old leader, not the new one):
      // 8 tries up to 2 s apart cost ~12 s, where 30 up to 5 s apart stalled the stream for over
      // two minutes after a leader's broker was killed (test/integration/kafka-cluster.test.ts).
      retry: {
        ...DEAD_BROKER_RETRY,
        // A long-running member never gives up: after any crash (a broker restart can surface as a
        // non-retriable protocol error) the consumer rejoins and resumes from the committed offsets.
        restartOnFailure: async (err: Error) => {
          this.log.error({ err }, 'consumer failed; restarting it');
          return this.running;
        },
      },
    });
    this.producer = kafka.producer({ metadataMaxAge: config.kafka.metadataMaxAgeMs, retry: DEAD_BROKER_RETRY, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    const c = this.consumer.events;
    this.consumer.on(c.GROUP_JOIN, (e) => {
      this.joined = true;
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

  /** Graceful stop: finish the batch in hand, commit it, then close consumer and producer. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.watchdog?.stop();
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
    let failed: unknown = null;
    const keepAlive = setInterval(() => {
      heartbeat().catch((err: unknown) => {
        failed ??= err;
      });
    }, this.heartbeatMs);
    try {
      await this.handleChunks(payload, () => {
        // A rebalance seen by the background heartbeat stops the batch at the next chunk.
        if (failed !== null) throw failed;
      });
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async handleChunks({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload, check: () => void): Promise<void> {
    const { topic, partition } = batch;
    const max = this.deps.config.pipeline.maxBatchSize;
    for (let i = 0; i < batch.messages.length; i += max) {
      check();
      if (!isRunning() || isStale()) return;
      const messages = batch.messages.slice(i, i + max);
      await this.processChunk({ topic, partition, messages });
      const last = messages[messages.length - 1]?.offset ?? batch.lastOffset();
      resolveOffset(last);
      const started = this.now();
      await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]);
      this.deps.metrics.batchSeconds.observe({ stage: 'commit' }, (this.now() - started) / 1000);
      this.watchdog?.batchCompleted();
      this.deps.metrics.consumerLag.set({ topic, partition: String(partition) }, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last) - 1n)));
      await heartbeat();
    }
  }

  private async processChunk(chunk: Chunk): Promise<void> {
    const { metrics } = this.deps;
    const t0 = this.now();
    const normalize = this.deps.normalizers.get(chunk.topic);
    const events: WardenEvent[] = [];
    const offsets: string[] = [];
    const produced: number[] = [];
    const deadLetters: DeadLetter[] = [];
    for (const message of chunk.messages) {
      const origin = { topic: chunk.topic, partition: chunk.partition, offset: message.offset };
      // Empty or whitespace-only values are dead-lettered too (the normalizer yields nothing for them); only a value starting with whitespace, a control or a non-ASCII byte is decoded to tell.
      const v = message.value;
      if (!normalize || v === null || v.length === 0 || ((v[0]! <= 0x20 || v[0]! >= 0x80) && v.toString('utf8').trim() === '')) {
        deadLetters.push({
          reason: normalize ? 'EMPTY_RECORD' : 'UNKNOWN_FORMAT',
          message: normalize ? (v === null ? 'the record has no value (tombstone)' : 'the record is empty or whitespace only') : `no normalizer configured for topic ${chunk.topic}`,
          format: null,
          origin,
          raw: v?.toString('utf8') ?? '',
        });
        continue;
      }
      const result = normalize(v, origin);
      for (const event of result.events) {
        events.push(event);
        offsets.push(message.offset);
        produced.push(Number(message.timestamp));
      }
      deadLetters.push(...result.rejects);
    }
    const t1 = this.now();
    metrics.batchSeconds.observe({ stage: 'normalize' }, (t1 - t0) / 1000);

    const decided = await this.decide(events, { partition: `${chunk.topic}:${chunk.partition}`, offsets });
    deadLetters.push(...decided.failures);
    const t2 = this.now();
    metrics.batchSeconds.observe({ stage: 'decide' }, (t2 - t1) / 1000);

    await this.publish(decided.decisions, decided.events, deadLetters);
    const t3 = this.now();
    metrics.batchSeconds.observe({ stage: 'publish' }, (t3 - t2) / 1000);
    await this.learn(decided.learn, chunk);
    const t4 = this.now();
    metrics.batchSeconds.observe({ stage: 'learn' }, (t4 - t3) / 1000);
    metrics.batchSeconds.observe({ stage: 'total' }, (t4 - t0) / 1000);
    // End-to-end lag is to the decision's acknowledgement, not to the learning after it.
    for (const ts of produced) if (Number.isFinite(ts)) metrics.endToEndLagSeconds.observe(Math.max(0, t3 - ts) / 1000);
    const formats = new Map<string, number>();
    for (const e of events) formats.set(e.sourceFormat ?? 'unknown', (formats.get(e.sourceFormat ?? 'unknown') ?? 0) + 1);
    for (const [format, n] of formats) metrics.eventsIn.inc({ topic: chunk.topic, format }, n);
  }

  /**
   * Stores what a published batch taught the baselines, before its offsets are committed. If Redis
   * went away in between, the batch is decided again from the last commit (the same decisions,
   * since nothing was learned) rather than committed unlearned. Any other store failure would
   * repeat on every retry: it is counted and logged, and the stream goes on without that learning.
   */
  private async learn(learn: () => Promise<void>, chunk: Chunk): Promise<void> {
    try {
      await learn();
    } catch (err) {
      if (isStoreUnavailable(err)) {
        this.deps.metrics.storeErrors.inc({ kind: 'unavailable' });
        throw err;
      }
      this.deps.metrics.storeErrors.inc({ kind: 'script' });
      this.log.error({ err, topic: chunk.topic, partition: chunk.partition, from: chunk.messages[0]?.offset }, 'storing the learning of a published batch failed; going on without it');
    }
  }

  /**
   * Decides a batch. A store outage degrades to identity + policy (failMode) instead of stalling
   * the stream; any other failure is narrowed to the events that cause it, which go to the DLQ.
   * The learning of the main path is stored by the returned `learn`, after publishing.
   */
  private async decide(
    events: WardenEvent[],
    position: { partition: string; offsets: string[] },
  ): Promise<{ decisions: Decision[]; events: WardenEvent[]; failures: DeadLetter[]; learn: () => Promise<void> }> {
    const nothing = async (): Promise<void> => undefined;
    if (events.length === 0) return { decisions: [], events, failures: [], learn: nothing };
    const { decider, metrics } = this.deps;
    try {
      // While degraded, every batch tries the store first: the first success ends the outage.
      const decided = decider.decideThenLearn ? await decider.decideThenLearn(events, position) : { decisions: await decider.decideBatch(events, position), learn: nothing };
      this.setDegraded(false);
      return { decisions: decided.decisions, events, failures: [], learn: decided.learn };
    } catch (err) {
      if (isStoreUnavailable(err)) {
        metrics.storeErrors.inc({ kind: 'unavailable' });
        this.setDegraded(true, err);
        return { decisions: await decider.decideBatch(events, position, { storeUnavailable: true }), events, failures: [], learn: nothing };
      }
      this.log.error({ err, partition: position.partition }, 'deciding a batch failed; retrying event by event');
    }
    const decisions: Decision[] = [];
    const kept: WardenEvent[] = [];
    const failures: DeadLetter[] = [];
    const [topic = '', partition = '0'] = position.partition.split(':');
    for (const [i, event] of events.entries()) {
      try {
        decisions.push(...(await decider.decideBatch([event], { partition: position.partition, offsets: [position.offsets[i] ?? '0'] })));
        kept.push(event);
      } catch (err) {
        failures.push(decideFailure(event, err, { topic, partition: Number(partition), offset: position.offsets[i] }));
      }
    }
    // Event by event, each decision learns as it is made (the rare path after a failure).
    return { decisions, events: kept, failures, learn: nothing };
  }

  private setDegraded(degraded: boolean, cause?: unknown): void {
    if (degraded === this.degraded) return;
    this.degraded = degraded;
    this.deps.metrics.degraded.set(degraded ? 1 : 0);
    if (degraded) this.log.error({ err: cause, failMode: this.deps.config.pipeline.failMode }, 'baseline store unavailable: deciding without it');
    else this.log.info('baseline store is back');
  }

  private async publish(decisions: Decision[], events: WardenEvent[], deadLetters: DeadLetter[]): Promise<void> {
    const { config, signer, metrics } = this.deps;
    const nowMs = this.now();
    const values = signer.signAll(decisions);
    const decisionMessages: Message[] = [];
    const blockMessages: Message[] = [];
    const approvalMessages: Message[] = [];
    const verdicts = new Map<string, number>();
    for (const [i, decision] of decisions.entries()) {
      decisionMessages.push({
        key: decision.identity,
        value: values[i] ?? null,
        // The verdict as a header lets consumers that want only alerts and blocks skip the rest unparsed.
        headers: { 'warden-verdict': decision.verdict },
      });
      const label = `${decision.verdict}:${decision.mode}`;
      verdicts.set(label, (verdicts.get(label) ?? 0) + 1);
      const block = this.blocks.recordFor(decision, events[i]?.identity.tokenId, nowMs);
      if (block) {
        blockMessages.push({ key: blockKey(block.identity, block.tokenId), value: JSON.stringify(signer.sign(block)) });
        metrics.blocksPublished.inc({ state: 'block' });
      }
      const approval = this.approvalOpener.recordFor(decision, events[i]?.identity.tokenId, nowMs);
      if (approval) approvalMessages.push({ key: approval.id, value: JSON.stringify(signer.sign(approval)), headers: { 'warden-kind': approval.kind, 'warden-transition': approval.transition } });
    }
    for (const [label, n] of verdicts) {
      const [verdict = '', mode = ''] = label.split(':');
      metrics.decisions.inc({ verdict, mode }, n);
    }
    const topicMessages: TopicMessages[] = [];
    if (decisionMessages.length > 0) topicMessages.push({ topic: config.kafka.topics.decisions, messages: decisionMessages });
    if (blockMessages.length > 0) topicMessages.push({ topic: config.kafka.topics.blocks, messages: blockMessages });
    if (approvalMessages.length > 0) topicMessages.push({ topic: config.kafka.topics.approvals, messages: approvalMessages }, { topic: config.kafka.topics.audit, messages: approvalMessages });
    if (deadLetters.length > 0) {
      topicMessages.push({ topic: config.kafka.topics.dlq, messages: deadLetters.map((d) => deadLetterMessage(d)) });
      for (const d of deadLetters) metrics.dlq.inc({ reason: d.reason });
    }
    for (const request of splitRequests(topicMessages, config.pipeline.maxProduceBytes)) await this.producer.sendBatch({ topicMessages: request, acks: -1 });
  }
}
