/**
 * Kafka load tools for the live benchmarks: a bulk loader, a fixed-rate producer, a pass-through
 * consumer (the ceiling: same Kafka settings as `warden run`, no deciding) and an output watcher.
 */
import { Partitioners } from 'kafkajs';
import type { Consumer, Kafka, Message, PartitionMetadata } from 'kafkajs';
import { CpuLedger } from '../../src/pipeline/stage-clock.js';
import { ALLOW_BATCH_RECORD, allowBatchEventIds } from '../../src/decisions/allow-batch.js';
import type { AllowBatchRecord } from '../../src/decisions/allow-batch.js';
import { recordHeaderOf } from '../../src/decisions/topic-records.js';

export async function produceAll(kafka: Kafka, topic: string, messages: Message[], batch = 2000): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < messages.length; i += batch) {
    await producer.send({ topic, messages: messages.slice(i, i + batch), acks: -1 });
  }
  await producer.disconnect();
}

/**
 * Sends `make(i)` at `rate` messages/s for `seconds`, in 10 ms ticks; calls `onSent(i, ms)` with
 * the time each message was handed to the producer. Bounded: stops after seconds × rate messages.
 *
 * With `appended`, each message is given the partition kafkajs would give it (murmur2 of the key),
 * so that the produce response's per-partition `logAppendTime` (a topic with
 * `message.timestamp.type=LogAppendTime`) can be passed on as the time the broker appended it:
 * the start of "in the log → decision in the log", which leaves out this process's own queueing.
 */
export async function produceAtRate(
  kafka: Kafka,
  topic: string,
  make: (i: number) => Message,
  rate: number,
  seconds: number,
  onSent: (i: number, atMs: number) => void,
  appended?: { partitions: number; onAppended: (i: number, appendMs: number) => void },
): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const partitionOf = appended ? keyPartitioner(topic, appended.partitions) : undefined;
  const total = Math.round(rate * seconds);
  const start = performance.now();
  let sent = 0;
  const inflight: Promise<unknown>[] = [];
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    if (due > sent) {
      const messages: Message[] = [];
      const byPartition = new Map<number, number[]>();
      const now = Date.now();
      for (let i = sent; i < due; i++) {
        const m = make(i);
        if (partitionOf) {
          m.partition = partitionOf(m);
          const list = byPartition.get(m.partition);
          if (list) list.push(i);
          else byPartition.set(m.partition, [i]);
        }
        messages.push(m);
        onSent(i, now);
      }
      sent = due;
      const request = producer.send({ topic, messages, acks: -1 });
      inflight.push(
        appended
          ? request.then((results) => {
              for (const r of results) {
                const at = Number(r.logAppendTime);
                if (at > 0) for (const i of byPartition.get(r.partition) ?? []) appended.onAppended(i, at);
              }
            })
          : request,
      );
      if (inflight.length > 50) await inflight.shift();
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inflight);
  await producer.disconnect();
  return sent;
}

/** The partition kafkajs's default partitioner gives a keyed message on a topic of `partitions` partitions. */
function keyPartitioner(topic: string, partitions: number): (m: Message) => number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return (message) => partitioner({ topic, partitionMetadata, message });
}

/** The ceiling: consume, parse, produce one small record per input, commit after the ack. */
/** CPU µs (user + system) the pass-through spent in each of its stages, shared like warden run's (CpuLedger). */
export type PassThroughCpu = Record<'parse' | 'produce' | 'commit', number>;

export async function startPassThrough(kafka: Kafka, input: string, output: string, groupId: string, maxBatch: number, onJoin?: () => void, cpu?: PassThroughCpu): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50, sessionTimeout: 30_000 });
  const ledger = new CpuLedger(
    (stage, micros) => {
      if (cpu) cpu[stage as keyof PassThroughCpu] += micros;
    },
    { exclusive: new Set(['parse']) },
  );
  if (onJoin) consumer.on(consumer.events.GROUP_JOIN, () => onJoin());
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 2,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (let i = 0; i < batch.messages.length; i += maxBatch) {
        const chunk = batch.messages.slice(i, i + maxBatch);
        ledger.enter('parse');
        const out: Message[] = chunk.map((m) => {
          const event = JSON.parse(m.value?.toString() ?? '{}') as { id?: string; identity?: { id?: string } };
          return { key: event.identity?.id ?? null, value: JSON.stringify({ eventId: event.id }) };
        });
        ledger.leave('parse');
        ledger.enter('produce');
        await producer.sendBatch({ topicMessages: [{ topic: output, messages: out }], acks: -1 });
        ledger.leave('produce');
        const last = chunk[chunk.length - 1]?.offset ?? batch.lastOffset();
        resolveOffset(last);
        ledger.enter('commit');
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        ledger.leave('commit');
        await heartbeat();
      }
    },
  });
  const stop = consumer.disconnect.bind(consumer);
  consumer.disconnect = async () => {
    await stop();
    await producer.disconnect();
  };
  return consumer;
}

const EVENT_ID = Buffer.from('"eventId":"');

/**
 * The `eventId` of an output record without parsing the rest: the watcher shares the CPU with the
 * consumer under test, and parsing every ~1 KB decision would charge Warden for the measurement.
 * A JSON string cannot hold an unescaped `"eventId":"`, so the first match is the key itself.
 */
export function eventIdOf(value: Buffer): string | null {
  const at = value.indexOf(EVENT_ID);
  if (at < 0) return null;
  const start = at + EVENT_ID.length;
  const end = value.indexOf(34, start);
  return end < 0 ? null : value.toString('utf8', start, end);
}

/**
 * Follows an output topic; `onRecord(eventId, atMs, recordMs)` for each decided event (a record, or
 * an entry of an allow-batch record) or pass-through record. `recordMs` is the record's Kafka
 * timestamp: the broker's append time on a topic with `message.timestamp.type=LogAppendTime`.
 */
export async function watchOutput(kafka: Kafka, topic: string, groupId: string, onRecord: (eventId: string, atMs: number, recordMs: number) => void): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) {
        if (!m.value) continue;
        // An allow-batch record (decisions.allow: compact) carries the plain allows of a batch: one
        // parse, then each entry's event id, so that every event is still timed.
        if (recordHeaderOf(m.headers) === ALLOW_BATCH_RECORD) {
          const record = JSON.parse(m.value.toString('utf8')) as AllowBatchRecord;
          const recordMs = Number(m.timestamp);
          for (const id of allowBatchEventIds(record)) onRecord(id, now, recordMs);
          continue;
        }
        const eventId = eventIdOf(m.value);
        if (eventId) onRecord(eventId, now, Number(m.timestamp));
      }
    },
  });
  return consumer;
}
