/**
 * Follows the compacted blocks topic from its beginning with kafkajs. kafkajs has no manual
 * assign(), so every follower joins a consumer group of its own (unique id per process) and never
 * commits offsets: each start re-reads the whole table, every enforcer sees every partition, and
 * no group state outlives the process for long (an empty group without offsets is dropped by the
 * broker). Connection failures are retried with backoff for as long as the follower is open.
 */
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../observability/logger.js';
import { kafkaRetryOptions, retryDelay, RETRY_POLICIES, sleep, withRetry } from '../retry.js';

export interface BlocksFollowerOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  logger: Logger;
  /** Messages of one fetched batch, in offset order. */
  onMessages: (messages: KafkaMessage[]) => void;
  /** A fetch or heartbeat succeeded: the table is as fresh as the broker's. */
  onContact: () => void;
  /** Every partition has been read up to the end offsets it had when the follower started. */
  onCaughtUp: () => void;
}

export class BlocksFollower {
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  private closed = false;
  private caughtUp = false;
  /** partition → end offset at start (what "caught up" means). */
  private targets: Map<number, number> | null = null;
  /** partition → next offset to read. */
  private readonly positions = new Map<number, number>();
  private loop: Promise<void> | null = null;
  /** Aborted on close: ends the wait between two tries at once. */
  private readonly stopping = new AbortController();

  constructor(private readonly options: BlocksFollowerOptions) {}

  start(): void {
    this.loop ??= this.runUntilClosed();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopping.abort();
    const consumer = this.consumer;
    this.consumer = null;
    await Promise.all([consumer?.disconnect().catch(() => undefined), this.admin?.disconnect().catch(() => undefined)]);
    // A connect attempt in flight may keep retrying for a while; do not hold shutdown for it.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
  }

  private async runUntilClosed(): Promise<void> {
    try {
      await withRetry(
        async () => {
          if (this.closed) return;
          try {
            await this.runOnce();
          } catch (err) {
            const consumer = this.consumer;
            this.consumer = null;
            await consumer?.disconnect().catch(() => undefined);
            throw err;
          }
        },
        RETRY_POLICIES.follower,
        { signal: this.stopping.signal, onRetry: (err, _retry, retryInMs) => this.options.logger.warn({ err, topic: this.options.topic, retryInMs }, 'cannot follow the blocks topic; retrying') },
      );
    } catch (err) {
      // Closed meanwhile, or an error no retry can help (not authorized to read the topic…).
      if (!this.closed) this.options.logger.error({ err, topic: this.options.topic }, 'stopped following the blocks topic');
    }
  }

  private async fetchTargets(): Promise<void> {
    const admin = this.options.kafka.admin();
    this.admin = admin;
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.options.topic);
      this.options.onContact();
      if (this.targets === null) this.targets = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    } finally {
      this.admin = null;
      await admin.disconnect().catch(() => undefined);
    }
    this.checkCaughtUp();
  }

  private async runOnce(): Promise<void> {
    await this.fetchTargets();
    if (this.closed) return;
    const { kafka, topic, groupId, logger } = this.options;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: false, retry: kafkaRetryOptions(RETRY_POLICIES.followerClient) });
    this.consumer = consumer;
    const contact = (): void => this.options.onContact();
    consumer.on(consumer.events.FETCH, contact);
    consumer.on(consumer.events.HEARTBEAT, contact);
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      logger.warn({ err: error, restart }, 'blocks consumer crashed');
      // kafkajs restarts by itself after retriable errors; after the others, start over here.
      if (!restart && !this.closed) {
        this.loop = this.restartLater();
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        this.options.onMessages(batch.messages);
        const last = batch.messages.at(-1);
        if (last) this.positions.set(batch.partition, Number(last.offset) + 1);
        if (!this.caughtUp) this.checkCaughtUp();
      },
    });
  }

  private async restartLater(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.disconnect().catch(() => undefined);
    await sleep(retryDelay(RETRY_POLICIES.follower, 1), this.stopping.signal);
    if (!this.closed) await this.runUntilClosed();
  }

  private checkCaughtUp(): void {
    if (this.caughtUp || this.targets === null) return;
    for (const [partition, end] of this.targets) {
      if ((this.positions.get(partition) ?? 0) < end) return;
    }
    this.caughtUp = true;
    this.options.onCaughtUp();
  }
}
