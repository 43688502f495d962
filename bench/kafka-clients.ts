/**
 * Kafka client comparison: kafkajs (as `src/pipeline/kafka-client.ts` and the runner configure it)
 * against @platformatic/kafka 1.35 with equivalent settings, on the same broker, in the same run.
 * Decides whether swapping the client behind the pipeline's wrapper is worth it.
 *
 *   npm run services:up && npx tsx bench/kafka-clients.ts [--events 100000] [--repeats 3] [--rate 5000] [--seconds 10]
 *
 * `--node-options="--cpu-prof --cpu-prof-dir=prof"` passes V8/Node flags to the measured workers.
 *
 * Every measured consumer is its own child process (this file with `--worker`), so its
 * `process.cpuUsage()` holds only the client's work and the pass-through's, not the loader's.
 * Per client and repeat, alternating which client goes first so both see the same machine load:
 *
 * 1. Pass-through drain: a pre-filled backlog of `--events` real-sized audit records (the
 *    simulator's events, ~445 B, keyed by identity, 6 partitions) is consumed in chunks of up to
 *    1000 per partition, two partitions at a time: JSON.parse → produce one ~950 B decision-sized
 *    record per event (idempotent producer, acks=all, requests ≤ 512 KiB as the runner splits
 *    them) → commit the chunk's offset after the ack. Events/s and CPU µs/event from the first
 *    record received to the last commit.
 * 2. Consume-only ceiling: the same backlog, new group, commit per chunk, no parse, no produce.
 * 3. Latency at a fixed rate: records produced at `--rate`/s into a fresh topic while the
 *    pass-through runs; produce → received and produce → output acked + committed, p50/p99, after
 *    `--warmup` seconds that are not counted.
 *
 * The median of the repeats is printed per client, with platformatic / kafkajs ratios. All topics
 * and consumer groups of the run are deleted at the end.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Consumer as PConsumer, Producer as PProducer } from '@platformatic/kafka';
import type { Message as PMessage, MessagesStream } from '@platformatic/kafka';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { EachBatchPayload, Message } from 'kafkajs';
import { parseConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/logger.js';
import { createKafka } from '../src/pipeline/kafka-client.js';
import { splitRequests } from '../src/pipeline/produce-requests.js';
import { simulate } from '../src/simulator/generate.js';
import type { WardenEvent } from '../src/events/event.js';
import { produceAll, produceAtRate } from './lib/kafka-load.js';
import { fmt, summarize, table } from './lib/stats.js';

type ClientName = 'kafkajs' | 'platformatic';
const CLIENTS: readonly ClientName[] = ['kafkajs', 'platformatic'];

interface WorkerSpec {
  client: ClientName;
  mode: 'pass' | 'consume';
  input: string;
  output: string;
  group: string;
  /** Records with a smaller `seq` are received but not counted in the latency figures. */
  skipSeq: number;
  brokers: string[];
}

/** What a worker reports: counts, CPU and wall time from its first record to its last commit. */
interface Progress {
  count: number;
  firstAt: number;
  lastAt: number;
  cpuMicros: number;
}

type FromWorker = { type: 'ready' } | { type: 'progress'; progress: Progress } | { type: 'latency'; received: number[]; done: number[] };
type ToWorker = { type: 'progress' } | { type: 'latency' } | { type: 'stop' };

// The runner's settings (config defaults): chunks of 1000, 2 batches in flight, 512 KiB requests.
const MAX_BATCH = 1000;
const IN_FLIGHT = 2;
const MAX_PRODUCE_BYTES = 512 * 1024;
const SESSION_TIMEOUT = 6000;
const HEARTBEAT = 1000;
const METADATA_MAX_AGE = 5000;
const DEAD_BROKER_RETRY = { retries: 8, initialRetryTime: 300, maxRetryTime: 2000 } as const;

/** A decision-sized output record (~950 B): what Warden publishes per event in `full` mode. */
function outputRecord(event: Parsed): string {
  return JSON.stringify({
    eventId: event.id,
    decisionId: `d-${event.id}`,
    identity: event.identity?.id,
    tokenId: event.identity?.tokenId,
    action: event.action,
    environment: event.environment,
    verdict: 'allow',
    risk: 0.07,
    reasons: [{ detector: 'baseline', score: 0.07, detail: 'action seen 412 times in the last 14 days' }],
    policyVersion: 'sha256:3f1c9a7e5b2d4c6a8e0f1b3d5c7a9e1f3b5d7c9a1e3f5b7d9c1a3e5f7b9d1c3a',
    modelVersion: 'baseline-v3+pack-2026.11',
    merkle: { leaf: 'a3c5e7f9b1d3c5e7f9a1b3d5c7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5', proof: ['9e1f3a5b7c9d1e3f5a7b9c1d3e5a3c5e7f9b1d3c5e7f9a1b3d5c7e9f1a3b5c7d', '1b3d5c7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5a3c5e7f9b1d3c5e7f9a', '5c7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5a3c5e7f9b1d3c5e7f9a1b3d', 'e5a3c5e7f9b1d3c5e7f9a1b3d5c7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3'] },
    signature: 'MEUCIQDx4y1m3p8v0qk2ZLc9n5yR7wT2u6sA1bH4dF8gJ0kL3QIgV5nX9cM2pE7rW4tY6uI1oK3jH8gF5dS2aZ0xC7vB9nM=',
    keyId: 'warden-2026-11',
    decidedAt: '2026-11-29T19:00:00.000Z',
  });
}

// ---------------------------------------------------------------------------------------------
// Worker side: one client, one mode, reports to the parent over IPC.

const KEEP_LATENCIES = 200_000;

class Tracker {
  count = 0;
  firstAt = 0;
  lastAt = 0;
  private cpu0: NodeJS.CpuUsage | null = null;
  private cpuMicros = 0;
  readonly received: number[] = [];
  readonly done: number[] = [];
  constructor(private readonly skipSeq: number) {}

  /** The first record of the run starts the clock and the CPU meter. */
  started(): void {
    if (this.cpu0) return;
    this.cpu0 = process.cpuUsage();
    this.firstAt = performance.timeOrigin + performance.now();
  }

  /** A chunk committed; `sent` holds its records' `seq`/`sentAt` (pass-through with latency). */
  committed(n: number, sent: readonly { seq: number; sentAt: number; receivedAt: number }[]): void {
    const now = performance.timeOrigin + performance.now();
    this.count += n;
    this.lastAt = now;
    const cpu = process.cpuUsage(this.cpu0 ?? undefined);
    this.cpuMicros = cpu.user + cpu.system;
    for (const s of sent) {
      if (s.seq < this.skipSeq || this.done.length >= KEEP_LATENCIES) continue;
      this.received.push(s.receivedAt - s.sentAt);
      this.done.push(now - s.sentAt);
    }
  }

  progress(): Progress {
    return { count: this.count, firstAt: this.firstAt, lastAt: this.lastAt, cpuMicros: this.cpuMicros };
  }
}

/** An error with its causes and, for an AggregateError, the errors it holds. */
function describe(err: unknown, depth = 0): string {
  if (!(err instanceof Error) || depth > 4) return String(err);
  const inner = [...(err instanceof AggregateError ? (err.errors as unknown[]) : []), ...(err.cause === undefined ? [] : [err.cause])];
  const own = `${err.name}: ${err.message}${'code' in err ? ` (${String(err.code)})` : ''}`;
  return [own, ...inner.slice(0, 3).map((e) => `  `.repeat(depth + 1) + describe(e, depth + 1))].join('\n');
}

interface Parsed {
  id?: string;
  identity?: { id?: string; tokenId?: string };
  action?: string;
  environment?: string;
  seq?: number;
  sentAt?: number;
}

/** The pass-through's work on one chunk's values: parse, build the output records, note latencies. */
function transform(values: readonly (Buffer | null)[], receivedAt: number, latencies: { seq: number; sentAt: number; receivedAt: number }[]): { key: string | null; value: string }[] {
  const out: { key: string | null; value: string }[] = [];
  for (const value of values) {
    const event = JSON.parse(value?.toString() ?? '{}') as Parsed;
    if (typeof event.sentAt === 'number' && typeof event.seq === 'number') latencies.push({ seq: event.seq, sentAt: event.sentAt, receivedAt });
    out.push({ key: event.identity?.id ?? null, value: outputRecord(event) });
  }
  return out;
}

/** kafkajs, built by the pipeline's own factory and driven the way the runner drives it. */
async function runKafkajs(spec: WorkerSpec, tracker: Tracker, onReady: () => void): Promise<() => Promise<void>> {
  const config = parseConfig(JSON.stringify({ kafka: { brokers: spec.brokers, clientId: spec.group, groupId: spec.group } }), 'bench.yaml');
  const kafka = createKafka(config, createLogger({ level: 'error' }));
  let running = true;
  const consumer = kafka.consumer({
    groupId: spec.group,
    sessionTimeout: SESSION_TIMEOUT,
    heartbeatInterval: HEARTBEAT,
    metadataMaxAge: METADATA_MAX_AGE,
    maxWaitTimeInMs: 50,
    retry: { ...DEAD_BROKER_RETRY, restartOnFailure: async () => running },
  });
  const producer = kafka.producer({ metadataMaxAge: METADATA_MAX_AGE, retry: DEAD_BROKER_RETRY, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  consumer.on(consumer.events.GROUP_JOIN, () => onReady());
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: spec.input, fromBeginning: true });

  const onBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> => {
    const receivedAt = performance.timeOrigin + performance.now();
    tracker.started();
    // The runner's keep-alive: heartbeats in the background while a batch is in hand.
    let failed: unknown = null;
    const keepAlive = setInterval(() => {
      heartbeat().catch((err: unknown) => {
        failed ??= err;
      });
    }, HEARTBEAT);
    try {
      for (let i = 0; i < batch.messages.length; i += MAX_BATCH) {
        if (failed !== null) throw failed;
        if (!isRunning() || isStale()) return;
        const chunk = batch.messages.slice(i, i + MAX_BATCH);
        const latencies: { seq: number; sentAt: number; receivedAt: number }[] = [];
        if (spec.mode === 'pass') {
          const out: Message[] = transform(
            chunk.map((m) => m.value),
            receivedAt,
            latencies,
          );
          for (const request of splitRequests([{ topic: spec.output, messages: out }], MAX_PRODUCE_BYTES)) await producer.sendBatch({ topicMessages: request, acks: -1 });
        }
        const last = chunk[chunk.length - 1]?.offset ?? batch.lastOffset();
        resolveOffset(last);
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        tracker.committed(chunk.length, latencies);
        await heartbeat();
      }
    } finally {
      clearInterval(keepAlive);
    }
  };
  await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: IN_FLIGHT, eachBatch: onBatch });
  return async () => {
    running = false;
    await consumer.disconnect();
    await producer.disconnect();
  };
}

/**
 * @platformatic/kafka with the same settings. Its consumer is a stream of single messages (with
 * heartbeats of its own), so the runner's batching is rebuilt on top: the messages of one tick
 * (one fetch response) are grouped per partition, each partition is processed in order by one
 * chunk at a time, at most IN_FLIGHT chunks at once, and the stream is paused while too much is
 * buffered (the backpressure kafkajs gives by not fetching while batches are in hand).
 */
async function runPlatformatic(spec: WorkerSpec, tracker: Tracker, onReady: () => void): Promise<() => Promise<void>> {
  const base = { clientId: spec.group, bootstrapBrokers: spec.brokers, metadataMaxAge: METADATA_MAX_AGE, retries: DEAD_BROKER_RETRY.retries, retryDelay: DEAD_BROKER_RETRY.initialRetryTime };
  const consumer = new PConsumer({ ...base, groupId: spec.group, sessionTimeout: SESSION_TIMEOUT, heartbeatInterval: HEARTBEAT, maxWaitTime: 50, autocommit: false });
  const producer = new PProducer({ ...base, idempotent: true, acks: -1, autocreateTopics: false });
  consumer.on('consumer:group:join', () => onReady());
  const stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> = await consumer.consume({
    topics: [spec.input],
    mode: 'committed',
    fallbackMode: 'earliest',
    autocommit: false,
    maxWaitTime: 50,
    sessionTimeout: SESSION_TIMEOUT,
    heartbeatInterval: HEARTBEAT,
  });

  const pending = new Map<number, PMessage<Buffer, Buffer, Buffer, Buffer>[]>();
  const busy = new Set<number>();
  let buffered = 0;
  let scheduled = false;
  let failure: unknown = null;
  let sending: Promise<void> = Promise.resolve();
  const HIGH = MAX_BATCH * IN_FLIGHT * 2;

  const processChunk = async (partition: number, chunk: PMessage<Buffer, Buffer, Buffer, Buffer>[], receivedAt: number): Promise<void> => {
    const latencies: { seq: number; sentAt: number; receivedAt: number }[] = [];
    if (spec.mode === 'pass') {
      const out = transform(
        chunk.map((m) => m.value),
        receivedAt,
        latencies,
      );
      const requests = splitRequests([{ topic: spec.output, messages: out }], MAX_PRODUCE_BYTES);
      // One send at a time, as kafkajs' maxInFlightRequests: 1: two concurrent sends of this
      // idempotent producer to the same partitions fail with OUT_OF_ORDER_SEQUENCE_NUMBER.
      const sent = sending.then(async () => {
        for (const request of requests) {
          await producer.send({ messages: request.flatMap((t) => t.messages.map((m) => ({ topic: t.topic, key: m.key === null || m.key === undefined ? undefined : Buffer.from(m.key), value: Buffer.from(m.value as string) }))) });
        }
      });
      sending = sent.catch(() => undefined);
      await sent;
    }
    // Commits offset + 1 of the chunk's last record, with its leader epoch.
    await chunk[chunk.length - 1]!.commit();
    tracker.committed(chunk.length, latencies);
    void partition;
  };

  const pump = (): void => {
    scheduled = false;
    const receivedAt = performance.timeOrigin + performance.now();
    for (const [partition, list] of pending) {
      if (busy.size >= IN_FLIGHT) break;
      if (busy.has(partition) || list.length === 0) continue;
      const chunk = list.splice(0, MAX_BATCH);
      busy.add(partition);
      processChunk(partition, chunk, receivedAt)
        .catch((err: unknown) => {
          failure ??= err;
          process.stderr.write(`platformatic worker: ${describe(err)}\n`);
          process.exit(1);
        })
        .finally(() => {
          busy.delete(partition);
          buffered -= chunk.length;
          if (buffered < HIGH && stream.isPaused()) stream.resume();
          if (failure === null) pump();
        });
    }
  };

  stream.on('data', (message: PMessage<Buffer, Buffer, Buffer, Buffer>) => {
    tracker.started();
    let list = pending.get(message.partition);
    if (!list) {
      list = [];
      pending.set(message.partition, list);
    }
    list.push(message);
    buffered++;
    if (buffered >= HIGH) stream.pause();
    if (!scheduled) {
      scheduled = true;
      setImmediate(pump);
    }
  });
  stream.on('error', (err: unknown) => {
    process.stderr.write(`platformatic stream: ${describe(err)}\n`);
    process.exit(1);
  });
  // consume() resolves once the member joined; the event may have fired already.
  onReady();
  return async () => {
    await stream.close();
    await consumer.close();
    await producer.close();
  };
}

async function worker(spec: WorkerSpec): Promise<void> {
  const tracker = new Tracker(spec.skipSeq);
  const send = (m: FromWorker): void => {
    process.send?.(m);
  };
  let ready = false;
  const onReady = (): void => {
    if (ready) return;
    ready = true;
    send({ type: 'ready' });
  };
  // A parent that died (Ctrl-C, a crash) takes its workers with it.
  process.once('disconnect', () => process.exit(0));
  const stop = spec.client === 'kafkajs' ? await runKafkajs(spec, tracker, onReady) : await runPlatformatic(spec, tracker, onReady);
  process.on('message', (m: ToWorker) => {
    if (m.type === 'progress') send({ type: 'progress', progress: tracker.progress() });
    else if (m.type === 'latency') send({ type: 'latency', received: tracker.received, done: tracker.done });
    else if (m.type === 'stop') {
      void stop()
        .catch(() => undefined)
        .then(() => process.exit(0));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Parent side: load, run the workers alternately, report medians.

class WorkerHandle {
  private readonly child: ChildProcess;
  private readonly waiters: { resolve: (m: FromWorker) => void; reject: (err: Error) => void }[] = [];
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  constructor(spec: WorkerSpec, nodeOptions: readonly string[]) {
    this.child = fork(fileURLToPath(import.meta.url), ['--worker', JSON.stringify(spec)], { execArgv: [...nodeOptions, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (m: FromWorker) => {
        if (m.type === 'ready') resolve();
        else this.waiters.shift()?.resolve(m);
      });
      this.child.once('exit', (code) => {
        const err = new Error(`${spec.client} ${spec.mode} worker exited with ${code}`);
        reject(err);
        for (const w of this.waiters.splice(0)) w.reject(err);
      });
    });
    this.ready.catch(() => undefined);
  }

  private ask(m: ToWorker): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      if (this.child.exitCode !== null) return reject(new Error('worker exited'));
      this.waiters.push({ resolve, reject });
      this.child.send(m);
    });
  }

  async progress(): Promise<Progress> {
    const m = await this.ask({ type: 'progress' });
    if (m.type !== 'progress') throw new Error(`unexpected ${m.type}`);
    return m.progress;
  }

  async latency(): Promise<{ received: number[]; done: number[] }> {
    const m = await this.ask({ type: 'latency' });
    if (m.type !== 'latency') throw new Error(`unexpected ${m.type}`);
    return m;
  }

  /** Asks the worker to close its clients; kills it (our own child, by handle) after 15 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Busy share of all cores (everything on the machine) between two /proc/stat samples. */
function cpuTimes(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.reduce((s, v) => s + v, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      events: { type: 'string', default: '100000' },
      repeats: { type: 'string', default: '3' },
      rate: { type: 'string', default: '5000' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      partitions: { type: 'string', default: '6' },
      'node-options': { type: 'string', default: '' },
    },
  });
  const N = Number(args.events);
  const REPEATS = Number(args.repeats);
  const RATE = Number(args.rate);
  const SECONDS = Number(args.seconds);
  const WARMUP = Number(args.warmup);
  const PARTITIONS = Number(args.partitions);
  const NODE_OPTIONS = String(args['node-options']).split(' ').filter(Boolean);
  const brokers = (process.env.WARDEN_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const kafka = new Kafka({ clientId: 'bench-clients', brokers, logLevel: logLevel.NOTHING });
  const run = `bench-kc-${Date.now().toString(36)}`;
  const groups: string[] = [];
  const admin = kafka.admin();
  await admin.connect();
  const createTopic = async (topic: string): Promise<string> => {
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
    return topic;
  };

  const sim = simulate({ seed: 3, days: 14, fleet: 60 });
  const eventAt = (i: number, extra: Record<string, unknown> = {}): WardenEvent & Record<string, unknown> => {
    const e = sim.events[i % sim.events.length]!;
    return { ...e, id: `${e.id}-r${Math.floor(i / sim.events.length)}`, ...extra };
  };
  const messages: Message[] = Array.from({ length: N }, (_, i) => {
    const e = eventAt(i);
    return { key: e.identity.id, value: JSON.stringify(e) };
  });
  const inBytes = messages.reduce((s, m) => s + Buffer.byteLength(m.value as string), 0) / N;
  const outBytes = Buffer.byteLength(outputRecord(eventAt(0)));
  const backlog = await createTopic(`${run}.backlog`);
  const loadStart = Date.now();
  await produceAll(kafka, backlog, messages);
  process.stderr.write(`backlog: ${fmt(N)} records (${fmt(inBytes)} B average, output ${fmt(outBytes)} B) in ${PARTITIONS} partitions, loaded in ${fmt((Date.now() - loadStart) / 1000, 1)} s\n`);

  interface Sample {
    drainRate: number;
    drainCpu: number;
    consumeRate: number;
    consumeCpu: number;
    p50Received: number;
    p99Received: number;
    p50Done: number;
    p99Done: number;
    machineBusy: number;
    load1: number;
  }
  const samples: Record<ClientName, Sample[]> = { kafkajs: [], platformatic: [] };

  /** Runs one worker over the backlog until it committed all N records. */
  const drain = async (client: ClientName, mode: 'pass' | 'consume', tag: string): Promise<{ rate: number; cpu: number }> => {
    const group = `${run}.${tag}`;
    groups.push(group);
    const output = mode === 'pass' ? await createTopic(`${run}.${tag}.out`) : `${run}.unused`;
    const w = new WorkerHandle({ client, mode, input: backlog, output, group, skipSeq: 0, brokers }, NODE_OPTIONS);
    await w.ready;
    let p = await w.progress();
    const deadline = Date.now() + 600_000;
    while (p.count < N) {
      if (Date.now() > deadline) throw new Error(`${client} ${mode}: ${p.count}/${N} after 10 minutes`);
      await new Promise((r) => setTimeout(r, 100));
      p = await w.progress();
    }
    await w.stop();
    if (mode === 'pass') {
      // Every input record produced exactly one output record: nothing lost, nothing twice.
      const written = (await admin.fetchTopicOffsets(output)).reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
      if (written !== N) throw new Error(`${client} pass-through wrote ${written} records for ${N} inputs`);
    }
    return { rate: p.count / ((p.lastAt - p.firstAt) / 1000), cpu: p.cpuMicros / p.count };
  };

  /** Records at RATE/s into a fresh topic while the pass-through runs; latencies after the warm-up. */
  const latency = async (client: ClientName, tag: string): Promise<{ received: ReturnType<typeof summarize>; done: ReturnType<typeof summarize> }> => {
    const group = `${run}.${tag}`;
    groups.push(group);
    const input = await createTopic(`${run}.${tag}.in`);
    const output = await createTopic(`${run}.${tag}.out`);
    const w = new WorkerHandle({ client, mode: 'pass', input, output, group, skipSeq: WARMUP * RATE, brokers }, NODE_OPTIONS);
    await w.ready;
    // Let the first fetch of every partition start before the clock does.
    await new Promise((r) => setTimeout(r, 1000));
    const total = await produceAtRate(
      kafka,
      input,
      (i) => {
        const e = eventAt(i, { seq: i, sentAt: performance.timeOrigin + performance.now() });
        return { key: e.identity.id, value: JSON.stringify(e) };
      },
      RATE,
      WARMUP + SECONDS,
      () => undefined,
    );
    let p = await w.progress();
    const deadline = Date.now() + 120_000;
    while (p.count < total && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      p = await w.progress();
    }
    if (p.count < total) throw new Error(`${client} latency run: ${p.count}/${total} committed`);
    const l = await w.latency();
    await w.stop();
    return { received: summarize(l.received), done: summarize(l.done) };
  };

  try {
    await measure();
  } finally {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(run));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    const groupsGone = await admin
      .deleteGroups(groups)
      .then((r) => r.filter((g) => !g.error).length)
      .catch(() => 0);
    await admin.disconnect();
    process.stderr.write(`cleaned up: ${topics.length} topics, ${groupsGone} consumer groups\n`);
  }

  async function measure(): Promise<void> {
  for (let rep = 0; rep < REPEATS; rep++) {
    // Alternate which client goes first, so a load change on the machine hits both alike.
    const order = rep % 2 === 0 ? CLIENTS : [...CLIENTS].reverse();
    for (const client of order) {
      const c0 = cpuTimes();
      const load1 = loadavg()[0] ?? Number.NaN;
      const d = await drain(client, 'pass', `${client}.${rep}.drain`);
      const c = await drain(client, 'consume', `${client}.${rep}.consume`);
      const l = await latency(client, `${client}.${rep}.lat`);
      const c1 = cpuTimes();
      const s: Sample = {
        drainRate: d.rate,
        drainCpu: d.cpu,
        consumeRate: c.rate,
        consumeCpu: c.cpu,
        p50Received: l.received.p50,
        p99Received: l.received.p99,
        p50Done: l.done.p50,
        p99Done: l.done.p99,
        machineBusy: (c1.busy - c0.busy) / (c1.total - c0.total),
        load1,
      };
      samples[client].push(s);
      process.stderr.write(
        `repeat ${rep + 1} ${client.padEnd(12)} pass-through ${fmt(s.drainRate)}/s ${fmt(s.drainCpu, 1)} µs/event · consume-only ${fmt(s.consumeRate)}/s ${fmt(s.consumeCpu, 1)} µs/event · ` +
          `${fmt(RATE)}/s: received p50 ${fmt(s.p50Received, 1)} p99 ${fmt(s.p99Received, 1)} ms, acked+committed p50 ${fmt(s.p50Done, 1)} p99 ${fmt(s.p99Done, 1)} ms · machine ${fmt(s.machineBusy * 100)} % busy, load ${fmt(s.load1, 2)}\n`,
      );
    }
  }

  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const med = (client: ClientName, key: keyof Sample): number => median(samples[client].map((s) => s[key]));
  const rows: [string, keyof Sample, number][] = [
    ['pass-through drain, events/s', 'drainRate', 0],
    ['pass-through CPU µs/event', 'drainCpu', 1],
    ['consume-only ceiling, events/s', 'consumeRate', 0],
    ['consume-only CPU µs/event', 'consumeCpu', 1],
    [`${fmt(RATE)}/s produce → received p50 ms`, 'p50Received', 1],
    [`${fmt(RATE)}/s produce → received p99 ms`, 'p99Received', 1],
    [`${fmt(RATE)}/s produce → output acked + committed p50 ms`, 'p50Done', 1],
    [`${fmt(RATE)}/s produce → output acked + committed p99 ms`, 'p99Done', 1],
    ['machine busy during the client\'s runs, %', 'machineBusy', 0],
    ['load average (1 min) at start', 'load1', 2],
  ];
  const out = [
    ['', 'kafkajs', 'platformatic', 'platformatic / kafkajs'],
    ...rows.map(([label, key, digits]) => {
      const a = med('kafkajs', key);
      const b = med('platformatic', key);
      const scale = key === 'machineBusy' ? 100 : 1;
      return [label, fmt(a * scale, digits), fmt(b * scale, digits), key === 'machineBusy' || key === 'load1' ? '' : `${fmt(b / a, 2)}×`];
    }),
  ];
  process.stdout.write(
    `\n${fmt(N)}-record backlog (${fmt(inBytes)} B in, ${fmt(outBytes)} B out), ${PARTITIONS} partitions, median of ${REPEATS} alternated repeats, node ${process.version}\n` +
      `${table(out)}\n`,
  );

  }
}

const at = process.argv.indexOf('--worker');
if (at >= 0) await worker(JSON.parse(process.argv[at + 1] ?? '{}') as WorkerSpec);
else await main();
