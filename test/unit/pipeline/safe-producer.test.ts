import type { ICustomPartitioner, Kafka, Message, Producer, ProducerBatch, ProducerConfig, RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { RESEND_ATTEMPTS, createProducer, leftOut } from '../../../src/pipeline/safe-producer.js';
import type { ResendReport } from '../../../src/pipeline/safe-producer.js';

const PARTITIONS = 3;
const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: partitionId, partitionErrorCode: 0, replicas: [], isr: [] }));

/**
 * A stand-in for kafkajs' producer that partitions with the partitioner it is given and, like
 * kafkajs 2.2.4 after a leader moved mid-send, answers without the partitions in `drop` (one set
 * per call; calls past the list drop nothing). It records what each call wrote.
 */
function fakeKafka(drop: Array<Set<number>>): { kafka: Pick<Kafka, 'producer'>; written: Array<Array<{ topic: string; partition: number; value: string }>> } {
  const written: Array<Array<{ topic: string; partition: number; value: string }>> = [];
  const kafka = {
    producer: (config?: ProducerConfig): Producer => {
      const partition = (config?.createPartitioner as ICustomPartitioner)();
      const sendBatch = async ({ topicMessages = [] }: ProducerBatch): Promise<RecordMetadata[]> => {
        const dropped = drop[written.length] ?? new Set<number>();
        const call: Array<{ topic: string; partition: number; value: string }> = [];
        const answers = new Map<string, RecordMetadata>();
        for (const { topic, messages } of topicMessages) {
          for (const message of messages) {
            const p = partition({ topic, partitionMetadata, message });
            if (dropped.has(p)) continue;
            call.push({ topic, partition: p, value: String(message.value) });
            answers.set(`${topic}:${p}`, { topicName: topic, partition: p, errorCode: 0, baseOffset: '0' });
          }
        }
        written.push(call);
        return [...answers.values()];
      };
      return { sendBatch, send: async () => [], connect: async () => undefined } as unknown as Producer;
    },
  };
  return { kafka, written };
}

const keyed = (n: number): Message[] => Array.from({ length: n }, (_, i) => ({ key: `identity-${i % 6}`, value: `event-${i}` }));

describe('createProducer', () => {
  it('sends again what a send left out, partition by partition in order, and returns every answer', async () => {
    const { kafka, written } = fakeKafka([new Set([1])]);
    const reports: ResendReport[] = [];
    const producer = createProducer(kafka, {}, { onResend: (r) => reports.push(r) });
    const messages = keyed(30);
    const answers = await producer.send({ topic: 'decisions', acks: -1, messages });

    const all = written.flat();
    expect(all.map((w) => w.value).sort()).toEqual(messages.map((m) => String(m.value)).sort());
    // The second call wrote partition 1 only, in the order of the messages.
    const second = written[1] ?? [];
    expect(second.every((w) => w.partition === 1)).toBe(true);
    expect(second.map((w) => w.value)).toEqual(all.filter((w) => w.partition === 1).map((w) => w.value));
    expect(reports).toEqual([{ attempt: 1, partitions: { 'decisions:1': second.length } }]);
    expect(new Set(answers.map((a) => a.partition))).toEqual(new Set([0, 1, 2]));
  });

  it('does not resend when every partition answered', async () => {
    const { kafka, written } = fakeKafka([]);
    const reports: ResendReport[] = [];
    await createProducer(kafka, {}, { onResend: (r) => reports.push(r) }).sendBatch({ acks: -1, topicMessages: [{ topic: 'a', messages: keyed(12) }, { topic: 'b', messages: keyed(5) }] });
    expect(written).toHaveLength(1);
    expect(reports).toEqual([]);
  });

  it('fails the send, retriable, when a partition stays unanswered', async () => {
    const { kafka, written } = fakeKafka(Array.from({ length: RESEND_ATTEMPTS + 5 }, () => new Set([2])));
    const send = createProducer(kafka).send({ topic: 'decisions', acks: -1, messages: keyed(12) });
    await expect(send).rejects.toMatchObject({ retriable: true, message: expect.stringContaining('decisions:2') });
    expect(written).toHaveLength(RESEND_ATTEMPTS + 1);
  });

  it('keeps the partitioner it is given', async () => {
    const { kafka, written } = fakeKafka([]);
    const toTwo: ICustomPartitioner = () => () => 2;
    await createProducer(kafka, { createPartitioner: toTwo }).send({ topic: 't', acks: -1, messages: keyed(4) });
    expect(written[0]?.map((w) => w.partition)).toEqual([2, 2, 2, 2]);
  });
});

describe('leftOut', () => {
  it('counts a message whose partition was never chosen as left out', () => {
    const placed = new WeakMap<Message, number>();
    const [a, b] = keyed(2) as [Message, Message];
    placed.set(a, 0);
    expect(leftOut([{ topic: 't', messages: [a, b] }], [{ topicName: 't', partition: 0, errorCode: 0 }], placed)).toEqual([{ topic: 't', messages: [b] }]);
  });
});
