/**
 * A kafkajs producer that does not lose messages when a partition leader dies mid-send.
 *
 * kafkajs 2.2.4 can resolve a send without having sent part of it. One send writes to every
 * partition leader at once and keeps each broker's answer; on a retry it writes again only to the
 * brokers that have not answered yet (`src/producer/sendMessages.js`). When a leader dies and its
 * partition moves to a broker that already answered for another partition of the same send, the
 * moved partition's messages are never written, and the send resolves as if they had been
 * (kafkajs issue 1303). For Warden that is a decision, a block or a dead letter gone without a
 * trace: the three-broker integration test lost the first send after a broker was killed -9 that
 * way (34 of 3,000 events, one partition's share of one send).
 *
 * `createProducer` wraps the partitioner to note which partition each message went to, and checks
 * the answer of every send: each partition a message went to must be in it. The messages of a
 * partition without an answer are sent again in a new send (bounded; after that the send fails, a
 * retriable error, and the caller's batch is read again). Resending keeps their order, since
 * nothing else of that send reached the partition, and keeps the idempotent producer's sequence
 * numbers, which kafkajs gave back when the first write failed and never used again.
 */
import kafkajs from 'kafkajs';
import type { ICustomPartitioner, Kafka, Message, Producer, ProducerBatch, ProducerConfig, ProducerRecord, RecordMetadata, TopicMessages } from 'kafkajs';
import type { Logger } from '../observability/logger.js';

// kafkajs is CommonJS: Node's ESM loader does not see KafkaJSError as a named export.
const { KafkaJSError, Partitioners } = kafkajs;

/** Sends of the messages a send left out, before the send fails. */
export const RESEND_ATTEMPTS = 5;

/** What a producer's sends left out and sent again, for logs and tests. */
export interface ResendReport {
  attempt: number;
  /** `topic:partition` → messages sent again. */
  partitions: Record<string, number>;
}

export interface SafeProducerOptions {
  logger?: Logger;
  /** Called before each resend (tests count them; the logger warns either way). */
  onResend?: (report: ResendReport) => void;
}

/** `kafka.producer(config)` with sends that check every partition was answered and resend what was left out. */
export function createProducer(kafka: Pick<Kafka, 'producer'>, config: ProducerConfig = {}, options: SafeProducerOptions = {}): Producer {
  const placed = new WeakMap<Message, number>();
  const inner: ICustomPartitioner = config.createPartitioner ?? Partitioners.DefaultPartitioner;
  const createPartitioner: ICustomPartitioner = () => {
    const partition = inner();
    return (args) => {
      const p = partition(args);
      placed.set(args.message, p);
      return p;
    };
  };
  const producer = kafka.producer({ ...config, createPartitioner });
  const sendBatch = (batch: ProducerBatch): Promise<RecordMetadata[]> => sendChecked(producer, batch, placed, options);
  const send = ({ topic, messages, ...rest }: ProducerRecord): Promise<RecordMetadata[]> => sendBatch({ ...rest, topicMessages: [{ topic, messages }] });
  return { ...producer, send, sendBatch };
}

async function sendChecked(producer: Producer, batch: ProducerBatch, placed: WeakMap<Message, number>, options: SafeProducerOptions): Promise<RecordMetadata[]> {
  // Without acknowledgements there is no answer to check.
  if (batch.acks === 0) return producer.sendBatch(batch);
  const answers: RecordMetadata[] = [];
  let topicMessages: TopicMessages[] = batch.topicMessages ?? [];
  for (let attempt = 0; ; attempt++) {
    // Checked against this send's own answer: a message without a key may go to another partition on a resend.
    const answer = await producer.sendBatch({ ...batch, topicMessages });
    answers.push(...answer);
    const left = leftOut(topicMessages, answer, placed);
    if (left.length === 0) return answers;
    const partitions: Record<string, number> = {};
    for (const { topic, messages } of left) {
      for (const m of messages) {
        const at = `${topic}:${placed.get(m) ?? '?'}`;
        partitions[at] = (partitions[at] ?? 0) + 1;
      }
    }
    if (attempt >= RESEND_ATTEMPTS) {
      throw new KafkaJSError(`kafkajs answered a send without the partitions ${Object.keys(partitions).join(', ')} ${attempt + 1} times; their messages were not written`, { retriable: true });
    }
    options.logger?.warn({ partitions, attempt: attempt + 1 }, 'a send came back without some partitions it wrote to (a leader moved mid-send); sending their messages again');
    options.onResend?.({ attempt: attempt + 1, partitions });
    topicMessages = left;
  }
}

/** The messages of `topicMessages` whose partition has no answer among `answers` (or was never chosen). */
export function leftOut(topicMessages: readonly TopicMessages[], answers: readonly RecordMetadata[], placed: WeakMap<Message, number>): TopicMessages[] {
  const answered = new Set<string>();
  for (const a of answers) answered.add(`${a.topicName}\u0000${a.partition}`);
  const left: TopicMessages[] = [];
  for (const { topic, messages } of topicMessages) {
    const missing = messages.filter((m) => {
      const p = placed.get(m);
      return p === undefined || !answered.has(`${topic}\u0000${p}`);
    });
    if (missing.length > 0) left.push({ topic, messages: missing });
  }
  return left;
}
