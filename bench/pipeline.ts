/**
 * Live pipeline benchmark: producer → Kafka → `warden run` (the real CLI, a child process, Redis
 * store, signed decisions) → decisions, next to a pass-through consumer with the same Kafka
 * settings (the ceiling, also a child process), both in the same run against the same broker.
 *
 *   npm run services:up && npm run build && npx tsx bench/pipeline.ts [--events 60000] [--rates 1000,5000] [--seconds 15]
 *
 * 1. Sustained: N events are loaded first; each consumer then drains them. Rate = events decided
 *    after the consumer (all members, with --instances) joined its group / time from then to the
 *    N-th output record seen by a watcher.
 * 2. Latency at fixed offered loads: events produced at R/s (after --warmup seconds at that rate,
 *    not measured); produce → decision received p50/p99 on this process's clock and on the log's
 *    (broker append of the event → of its decision), the consumer's CPU per event, how busy the
 *    whole machine was meanwhile and how long the consumer's main thread waited for a core (at
 *    ~90 % busy and more, the tail is queueing for the cores).
 *
 * `--repeat N` drains the backlog N times with each consumer, alternately, and prints the medians;
 * at each offered load the two consumers also take turns N times, with the medians of their figures.
 * `--instances 2` runs two `warden run` processes in one group (scale-out); `--threads 2` runs one
 * process with two pipeline threads (`pipeline.threads`), each a member of the group.
 * `--node-options="--cpu-prof"` passes V8/Node flags to the `warden run` child (profiling, GC).
 * `--alloc` attaches V8's sampling heap profiler to each consumer during each measured load and
 * prints the bytes allocated per event, by package and by site (the profiler and `--inspect` cost
 * CPU: compare every figure of such runs, drains included, with other `--alloc` runs only).
 * Both children run with the Node flags Warden ships with (`RECOMMENDED_NODE_FLAGS`: a larger
 * young generation, as the Dockerfile runs it); `--node-defaults` runs both with Node's own.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { median } from 'simple-statistics';
import type { Message } from 'kafkajs';
import { generateKeyPair } from '../src/decisions/signing.js';
import { simulate } from '../src/simulator/generate.js';
import type { WardenEvent } from '../src/events/event.js';
import { produceAll, produceAtRate, watchOutput } from './lib/kafka-load.js';
import { fmt, summarize, table } from './lib/stats.js';
import { findPids, mainThreadCpuSeconds, mainThreadSchedule, perEvent, processCpuSeconds, snapshot } from './lib/machine-cpu.js';
import type { MachineSnapshot } from './lib/machine-cpu.js';
import { RECOMMENDED_NODE_FLAGS } from '../src/cli/support/node-flags.js';
import { mergeAllocations, packageOf, remoteSampling, summarise } from './lib/allocation-profile.js';
import type { AllocationProfile, Frame } from './lib/allocation-profile.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '60000' },
    rates: { type: 'string', default: '1000,5000' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '4' },
    'in-flight': { type: 'string', default: '2' },
    'commit-interval': { type: 'string', default: '0' },
    // pipeline.storeIntervalMs (learning held per partition before it is written); its default when unset.
    'store-interval': { type: 'string' },
    // kafka.fetchMinBytes / kafka.fetchMaxWaitMs of warden run (its defaults when unset; the pass-through keeps 1 byte, 50 ms).
    'fetch-min-bytes': { type: 'string' },
    'fetch-max-wait': { type: 'string' },
    repeat: { type: 'string', default: '1' },
    'batch-size': { type: 'string', default: '1000' },
    'signing-batch': { type: 'string' },
    allow: { type: 'string', default: 'compact' },
    'node-options': { type: 'string', default: '' },
    'node-defaults': { type: 'boolean', default: false },
    only: { type: 'string' },
    instances: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1' },
    alloc: { type: 'boolean', default: false },
  },
});
const N = Number(args.events);
const RATES = String(args.rates).split(',').filter(Boolean).map(Number);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const PARTITIONS = Number(args.partitions);
const IN_FLIGHT = Number(args['in-flight']);
const COMMIT_INTERVAL = Number(args['commit-interval']);
const STORE_INTERVAL = args['store-interval'] === undefined ? undefined : Number(args['store-interval']);
const FETCH = {
  ...(args['fetch-min-bytes'] === undefined ? {} : { fetchMinBytes: Number(args['fetch-min-bytes']) }),
  ...(args['fetch-max-wait'] === undefined ? {} : { fetchMaxWaitMs: Number(args['fetch-max-wait']) }),
};
const REPEAT = Math.max(1, Number(args.repeat));
const BATCH = Number(args['batch-size']);
const NODE_OPTIONS = String(args['node-options']).split(' ').filter(Boolean);
/** The same for both consumers: the flags Warden is deployed with, or none (`--node-defaults`). */
const NODE_FLAGS: readonly string[] = args['node-defaults'] ? [] : RECOMMENDED_NODE_FLAGS;
const ONLY = args.only;
const INSTANCES = Number(args.instances);
const THREADS = Number(args.threads);
const ALLOW = String(args.allow);
const ALLOC = args.alloc === true;
// `none` publishes allow-batch records without entries: the drain could not count the allows (the
// watcher counts decided events: full records and allow-batch entries).
if (ALLOW !== 'compact' && ALLOW !== 'full') throw new Error('--allow is compact or full');
const brokers = (process.env.WARDEN_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
const run = `bench-${Date.now().toString(36)}`;

// Realistic traffic: the simulator's fleet, repeated with fresh ids until N events.
const sim = simulate({ seed: 3, days: 14, fleet: 60 });
const base = sim.events;
const eventAt = (i: number): WardenEvent => {
  const e = base[i % base.length]!;
  const lap = Math.floor(i / base.length);
  return lap === 0 ? e : { ...e, id: `${e.id}-r${lap}`, time: new Date(Date.parse(e.time) + lap * 14 * 86_400_000).toISOString() };
};
const message = (e: WardenEvent): Message => ({ key: e.identity.id, value: JSON.stringify(e) });

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
const keys = generateKeyPair();
writeFileSync(join(dir, 'warden.key'), keys.privateKeyPem);
// `warden run` verifies approval records with the public key, so it needs both.
writeFileSync(join(dir, 'warden.pub'), keys.publicKeyPem);
writeFileSync(join(dir, 'identities.yaml'), stringify({ identities: sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind, environment: i.env, tokens: [i.tokenId] })) }));
mkdirSync(join(dir, 'policies'));

function wardenConfig(name: string, input: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    stringify({
      kafka: { brokers, clientId: name, groupId: `${name}-g`, ...FETCH, inputs: [{ topic: input, format: 'warden' }], topics: { decisions: `${name}.decisions`, blocks: `${name}.blocks`, dlq: `${name}.dlq` } },
      redis: { keyPrefix: name },
      pipeline: { maxBatchSize: BATCH, maxInFlightBatches: IN_FLIGHT, commitIntervalMs: COMMIT_INTERVAL, ...(STORE_INTERVAL === undefined ? {} : { storeIntervalMs: STORE_INTERVAL }), threads: THREADS, http: { host: '127.0.0.1', port: 0 } },
      identity: { inventory: join(dir, 'identities.yaml') },
      policy: { dir: join(dir, 'policies') },
      signing: { privateKeyFile: join(dir, 'warden.key'), publicKeyFile: join(dir, 'warden.pub'), ...(args['signing-batch'] ? { batchSize: Number(args['signing-batch']) } : {}) },
      decisions: { allow: ALLOW },
      logging: { level: 'info' },
    }),
  );
  return file;
}

/** `logAppendTime`: the broker stamps each record with the time it appended it (`message.timestamp.type=LogAppendTime`). */
async function createTopic(topic: string, options: { logAppendTime?: boolean } = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const configEntries = options.logAppendTime ? [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] : [];
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1, configEntries }], waitForLeaders: true });
  await admin.disconnect();
}

interface Child {
  /** Wall-clock ms at which the process was started. */
  startedAt: number;
  /** Resolves with the wall-clock ms at which the consumer joined its group. */
  joined: Promise<number>;
  /** CPU seconds (user + system) the process used so far, from /proc (Linux); NaN elsewhere. */
  cpuSeconds(): number;
  /** The same, main threads only (the rest: V8's compiler and GC helpers, libuv's pool). */
  mainThreadSeconds(): number;
  /** Seconds the main threads ran and waited for a core so far (run-queue wait, Linux). */
  mainThreadSchedule(): { running: number; waiting: number };
  /** The HTTP endpoints of `warden run` members (from their logs). */
  urls: string[];
  /** The inspectors' WebSocket URLs of the processes (with `--alloc`: they run with `--inspect`). */
  inspectors: string[];
  /** CPU µs spent so far in each stage, as the consumer measures them (process.cpuUsage around each stage). */
  stageCpu(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

/**
 * Starts a consumer process; `marker` is the text it prints once it joined its group (`markers`
 * times: once per pipeline thread, and a thread that joins makes the others join again).
 */
function startChild(argv: string[], marker: string, markers = 1): Child {
  let seenMarkers = 0;
  const startedAt = Date.now();
  if (ALLOC) argv = ['--inspect=127.0.0.1:0', ...argv];
  const child: ChildProcess = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WARDEN_KAFKA_BROKERS: brokers.join(',') } });
  const urls: string[] = [];
  const inspectors: string[] = [];
  let stagesLine: ((line: string) => void) | null = null;
  const joined = new Promise<number>((resolve, reject) => {
    // Logs (warden's go to stderr) are only scanned for the marker; errors still reach the user.
    const scan = (chunk: Buffer): void => {
      const text = chunk.toString();
      const stages = /^cpu-stages (.*)$/m.exec(text)?.[1];
      if (stages && stagesLine) stagesLine(stages);
      const url = /"url":"(http[^"]+)".*warden listening/.exec(text)?.[1];
      if (url) urls.push(url);
      const inspector = /Debugger listening on (ws:\/\/\S+)/.exec(text)?.[1];
      if (inspector) inspectors.push(inspector);
      seenMarkers += text.split(marker).length - 1;
      if (seenMarkers >= markers) resolve(Date.now());
      if (process.env.BENCH_LOGS || text.includes('"level":50') || text.includes('"level":60') || text.includes('Error')) process.stderr.write(text);
    };
    child.stdout?.on('data', scan);
    child.stderr?.on('data', scan);
    child.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited with ${code} before joining`)));
  });
  joined.catch(() => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    startedAt,
    joined,
    cpuSeconds: () => processCpuSeconds(child.pid),
    mainThreadSeconds: () => mainThreadCpuSeconds(child.pid),
    mainThreadSchedule: () => mainThreadSchedule(child.pid),
    urls,
    inspectors,
    async stageCpu() {
      if (urls.length > 0) return wardenStageCpu(urls);
      // The pass-through prints its counters on SIGUSR2.
      const line = new Promise<string>((resolve) => (stagesLine = resolve));
      child.kill('SIGUSR2');
      const counters = JSON.parse(await line) as Record<string, number>;
      return new Map(Object.entries(counters));
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const passThrough = (input: string, output: string, group: string): Child => startChild([...NODE_FLAGS, '--import', 'tsx', 'bench/lib/pass-through-main.ts', input, output, group], 'ready');
const wardenRun = (name: string, input: string): Child => startChild([...NODE_FLAGS, ...NODE_OPTIONS, 'bin/warden.js', 'run', '--config', wardenConfig(name, input)], 'joined consumer group', THREADS);

/** Several `warden run` processes in one consumer group (scale-out), seen as one consumer. */
function wardenGroup(name: string, input: string, count: number): Child {
  const members = Array.from({ length: count }, () => wardenRun(name, input));
  // The last member to join completes the group's first rebalance: from then on all of them work.
  const joined = Promise.all(members.map((m) => m.joined)).then((times) => Math.max(...times));
  joined.catch(() => undefined);
  return {
    startedAt: Math.min(...members.map((m) => m.startedAt)),
    joined,
    cpuSeconds: () => members.reduce((sum, m) => sum + m.cpuSeconds(), 0),
    mainThreadSeconds: () => members.reduce((sum, m) => sum + m.mainThreadSeconds(), 0),
    mainThreadSchedule: () =>
      members.reduce(
        (sum, m) => {
          const s = m.mainThreadSchedule();
          return { running: sum.running + s.running, waiting: sum.waiting + s.waiting };
        },
        { running: 0, waiting: 0 },
      ),
    get urls() {
      return members.flatMap((m) => m.urls);
    },
    get inspectors() {
      return members.flatMap((m) => m.inspectors);
    },
    stageCpu: () => wardenStageCpu(members.flatMap((m) => m.urls)),
    stop: async () => {
      await Promise.all(members.map((m) => m.stop()));
    },
  };
}

/** Each member's /metrics text. */
const scrape = (urls: string[]): Promise<string[]> => Promise.all(urls.map(async (url) => (await fetch(`${url}/metrics`)).text()));

/** CPU µs per stage of `warden run` members, from `warden_stage_cpu_seconds_total` on their /metrics. */
async function wardenStageCpu(urls: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const text of await scrape(urls)) {
    for (const m of text.matchAll(/^warden_stage_cpu_seconds_total\{stage="(\w+)"\} ([\d.e+-]+)$/gm)) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]) * 1e6);
    // Batches decided: not a CPU figure, reported next to them (events per batch).
    const batches = /^warden_batch_duration_seconds_count\{stage="total"\} (\d+)$/m.exec(text)?.[1];
    if (batches) out.set('batches', (out.get('batches') ?? 0) + Number(batches));
    // Offset commit requests (one may carry several batches: the runner coalesces them).
    const commits = /^warden_batch_duration_seconds_count\{stage="commit"\} (\d+)$/m.exec(text)?.[1];
    if (commits) out.set('commits', (out.get('commits') ?? 0) + Number(commits));
  }
  return out;
}

interface Drained {
  rate: number;
  cpuMicros: number;
  /**
   * The same over the second half of the drain only: a consumer started cold spends its first
   * seconds compiling (V8's optimising compiler works on background threads) and filling caches;
   * the second half is closer to what a running instance does with a backlog.
   */
  warm: { rate: number; cpuMicros: number; mainMicros: number };
  /**
   * CPU µs per event of the consumer's main thread (the rest of cpuMicros is its other threads':
   * V8's optimising compiler, GC helpers, libuv's pool).
   */
  mainMicros: number;
  /** Seconds from starting the process to the last output record: start-up and joining included. */
  fromStart: number;
  /** The rest of the machine over the same drain (broker, Redis, this process), µs per event. */
  machine: ReturnType<typeof perEvent> | null;
  /** CPU µs per event in each stage the consumer times. */
  stages: Map<string, number>;
}

/** Drains n loaded events: events/s, the consumer's CPU µs per event over the drain, and per stage. */
async function drain(output: string, n: number, start: () => Child): Promise<Drained> {
  let seen = 0;
  let lastAt = 0;
  await createTopic(output);
  const watcher = await watchOutput(kafka, output, `${output}-watch`, (_id, at) => {
    seen++;
    lastAt = at;
  });
  const child = start();
  const joinedAt = await child.joined;
  // With several members, the first ones may have started before the group was complete.
  const before = seen;
  const cpu0 = child.cpuSeconds();
  const main0 = child.mainThreadSeconds();
  const machine0: MachineSnapshot = snapshot(pids);
  let half: { seen: number; at: number; cpu: number; main: number } | null = null;
  while (seen < n) {
    await new Promise((r) => setTimeout(r, 20));
    if (half === null && seen >= n / 2) half = { seen, at: lastAt, cpu: child.cpuSeconds(), main: child.mainThreadSeconds() };
  }
  const cpu1 = child.cpuSeconds();
  const main1 = child.mainThreadSeconds();
  const machine = perEvent(machine0, snapshot(pids), n - before);
  const stageTotals = await child.stageCpu();
  await child.stop();
  await watcher.disconnect();
  const stages = new Map([...stageTotals].filter(([stage]) => stage !== 'batches' && stage !== 'commits').map(([stage, micros]) => [stage, micros / n]));
  const batches = stageTotals.get('batches');
  const commits = stageTotals.get('commits');
  if (batches) process.stderr.write(`${output}: ${fmt(batches)} batches, ${fmt(n / batches)} events per batch${commits ? `, ${fmt(commits)} commit requests` : ''}\n`);
  const h = half ?? { seen: before, at: joinedAt, cpu: cpu0, main: main0 };
  const warm = { rate: (n - h.seen) / ((lastAt - h.at) / 1000), cpuMicros: ((cpu1 - h.cpu) * 1e6) / (n - h.seen), mainMicros: ((main1 - h.main) * 1e6) / (n - h.seen) };
  return { rate: (n - before) / ((lastAt - joinedAt) / 1000), cpuMicros: ((cpu1 - cpu0) * 1e6) / (n - before), mainMicros: ((main1 - main0) * 1e6) / (n - before), warm, fromStart: (lastAt - child.startedAt) / 1000, stages, machine };
}

const stageLines: string[] = [];

/**
 * A /metrics text with every cumulative series (`_total`, `_sum`, `_count`, `_bucket`) counted
 * from `before` on: what happened between two scrapes. Gauges are left as they are.
 */
function since(before: string, after: string): string {
  const cumulative = /^(\w+(?:_total|_sum|_count|_bucket)(?:\{[^}]*\})?) ([\d.e+-]+)$/gm;
  const was = new Map<string, number>();
  for (const m of before.matchAll(cumulative)) was.set(m[1]!, Number(m[2]));
  return after.replace(cumulative, (line, series: string, value: string) => (was.has(series) ? `${series} ${Number(value) - was.get(series)!}` : line));
}

/**
 * Mean per batch of each stage, per-event lags, and what held the event loop, of `warden run`
 * members between `before` (their scrapes at the start of the measured load) and now.
 */
async function stageSummary(urls: string[], before: string[]): Promise<string> {
  // One scrape per member: prom-client starts its event loop delay histogram over at each.
  const texts = (await scrape(urls)).map((text, i) => since(before[i] ?? '', text));
  const sums = new Map<string, { sum: number; count: number }>();
  for (const text of texts) {
    for (const m of text.matchAll(/^warden_batch_duration_seconds_(sum|count)\{stage="(\w+)"\} ([\d.e+-]+)$/gm)) {
      const entry = sums.get(m[2]!) ?? { sum: 0, count: 0 };
      if (m[1] === 'sum') entry.sum += Number(m[3]);
      else entry.count += Number(m[3]);
      sums.set(m[2]!, entry);
    }
  }
  const parts = [...sums].map(([stage, { sum, count }]) => `${stage} ${fmt((1000 * sum) / Math.max(count, 1), 2)} ms`);
  const lag = (name: string): string => {
    const h = lagHistogram(texts, name);
    return `mean ${fmt(h.mean, 1)} ms, p99 ${h.p99}`;
  };
  const lags = `    per event, from the record's timestamp: to its decision acknowledged ${lag('warden_end_to_end_lag_seconds')}; of it, until its chunk began ${lag('warden_pickup_lag_seconds')}`;
  return `${fmt(sums.get('total')?.count ?? 0)} batches, mean per batch: ${parts.join(', ')}\n${lags}\n${texts.map(pauses).join('\n')}`;
}

/** Mean (ms) and the bucket holding the 99th percentile of a lag histogram, summed over members' /metrics. */
function lagHistogram(texts: string[], name: string): { mean: number; p99: string } {
  let sum = 0;
  let count = 0;
  const buckets = new Map<number, number>();
  for (const text of texts) {
    sum += Number(new RegExp(`^${name}_sum ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
    count += Number(new RegExp(`^${name}_count ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
    for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{le="([\\d.e+-]+|\\+Inf)"\\} (\\d+)$`, 'gm'))) {
      const le = m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]);
      buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
    }
  }
  const bound = [...buckets].sort((a, b) => a[0] - b[0]).find(([, n]) => n >= 0.99 * count)?.[0];
  const p99 = bound === undefined ? 'n/a' : bound === Number.POSITIVE_INFINITY ? '> 30 s' : `≤ ${fmt(bound * 1000, 1)} ms`;
  return { mean: (1000 * sum) / Math.max(count, 1), p99 };
}

/**
 * What held the event loop of `warden run` (its /metrics, prom-client's default metrics since the
 * last scrape): the interval between ticks of a 10 ms timer, p99 and max, and GC pauses by kind (count, total, longest bucket).
 */
function pauses(text: string): string {
  const gauge = (name: string): number => Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  const gc = new Map<string, { count: number; sum: number; over: string }>();
  for (const m of text.matchAll(/^warden_nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} ([\d.e+-]+)$/gm)) {
    const entry = gc.get(m[2]!) ?? { count: 0, sum: 0, over: '' };
    if (m[1] === 'sum') entry.sum = Number(m[3]);
    else entry.count = Number(m[3]);
    gc.set(m[2]!, entry);
  }
  // The smallest bucket holding every pause of a kind bounds its longest pause.
  for (const [kind, entry] of gc) {
    const buckets = [...text.matchAll(new RegExp(`^warden_nodejs_gc_duration_seconds_bucket\\{le="([\\d.e+-]+)",kind="${kind}"\\} (\\d+)$`, 'gm'))];
    const all = buckets.find((b) => Number(b[2]) === entry.count);
    entry.over = all ? `≤ ${fmt(Number(all[1]) * 1000)} ms` : '> 10 s';
  }
  const gcText = [...gc].filter(([, e]) => e.count > 0).map(([kind, e]) => `${kind} ${fmt(e.count)} (${fmt(e.sum * 1000)} ms, each ${e.over})`).join(', ');
  return `    event loop: a 10 ms timer ticked after p99 ${fmt(gauge('warden_nodejs_eventloop_lag_p99_seconds'), 1)} ms, max ${fmt(gauge('warden_nodejs_eventloop_lag_max_seconds'), 1)} ms; GC ${gcText}`;
}

/**
 * Produce → decision latency at a fixed offered load, and the consumer's CPU µs per event over the
 * measured seconds. Two clocks: the client's (handed to the producer → seen by the watcher, both in
 * this process) and the log's (the broker's append time of the event → of its decision, both topics
 * `LogAppendTime`). The log's leaves out this process's queueing (the load generator's producer and
 * the watcher's fetches share one event loop and the machine's cores with the consumer under test);
 * it is the latency the consumer adds between two points every reader of the topics sees.
 */
async function latency(input: string, output: string, rate: number, start: () => Child): Promise<ReturnType<typeof summarize> & { log: ReturnType<typeof summarize>; cpuMicros: number; busyShare: number; coreWait: number; allocation: AllocationProfile | null }> {
  await createTopic(input, { logAppendTime: true });
  await createTopic(output, { logAppendTime: true });
  const sentAt = new Map<string, number>();
  const appendedAt = new Map<string, number>();
  const decidedAt = new Map<string, number>();
  const lat: number[] = [];
  const watcher = await watchOutput(kafka, output, `${output}-watch`, (eventId, at, recordMs) => {
    const t = sentAt.get(eventId);
    if (t === undefined) return;
    lat.push(at - t);
    decidedAt.set(eventId, recordMs);
  });
  const child = start();
  await child.joined;
  await new Promise((r) => setTimeout(r, 1000));
  // Warm-up at the same rate (JIT, connections, first profile loads), not measured.
  if (WARMUP > 0) await produceAtRate(kafka, input, (i) => message(eventAt(2_000_000 + i)), rate, WARMUP, () => undefined);
  const offset = 1_000_000;
  const cpu0 = child.cpuSeconds();
  const machine0 = snapshot(pids);
  const schedule0 = child.mainThreadSchedule();
  // Warden's own metrics over the measured load only (the warm-up left out; also restarts the event loop histogram).
  const metrics0 = child.urls.length > 0 ? await scrape(child.urls) : [];
  const samplers = ALLOC ? await Promise.all(child.inspectors.map((url) => remoteSampling(url))) : [];
  // Each event is built once (a lap past the first copies it): the load generator shares the cores
  // with the consumer under test. Its id is kept for the times sent and appended.
  const ids: string[] = [];
  const total = await produceAtRate(
    kafka,
    input,
    (i) => {
      const event = eventAt(offset + i);
      ids[i] = event.id;
      return message(event);
    },
    rate,
    SECONDS,
    (i, at) => sentAt.set(ids[i]!, at),
    { partitions: PARTITIONS, onAppended: (i, at) => appendedAt.set(ids[i]!, at) },
  );
  // How busy the whole machine was while the load ran: a tail measured on a saturated machine is
  // its queueing for the cores, whichever consumer runs.
  const { busyShare } = perEvent(machine0, snapshot(pids), total);
  // Of the time the consumer's main thread had work to do, the share it waited for a free core.
  const schedule1 = child.mainThreadSchedule();
  const waited = schedule1.waiting - schedule0.waiting;
  const coreWait = waited / (waited + schedule1.running - schedule0.running);
  const deadline = Date.now() + 30_000;
  while (lat.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // At a steady rate batches are small: this is where per-batch costs show (a drain's batches are full).
  const cpuMicros = ((child.cpuSeconds() - cpu0) * 1e6) / total;
  const allocation = samplers.length > 0 ? mergeAllocations((await Promise.all(samplers.map((s) => s.stop()))).map((profile) => summarise(profile, byPackage))) : null;
  if (child.urls.length > 0) stageLines.push(`  ${fmt(rate)}/s: ${await stageSummary(child.urls, metrics0)}`);
  await child.stop();
  await watcher.disconnect();
  const log: number[] = [];
  for (const [id, decided] of decidedAt) {
    const appended = appendedAt.get(id);
    if (appended !== undefined) log.push(decided - appended);
  }
  return { ...summarize(lat), log: summarize(log), cpuMicros, busyShare, coreWait, allocation };
}

/** An allocation's package (`warden` for the project's code, `pass-through` for the benchmark's consumer), null for Node's own. */
function byPackage(frame: Frame): string | null {
  const pkg = packageOf(frame);
  if (pkg) return pkg;
  if (/\/(dist|src)\//.test(frame.url)) return 'warden';
  return /\/bench\//.test(frame.url) ? 'pass-through' : null;
}

const allocationLines: string[] = [];
/** Bytes allocated per event of a latency run, by package, and its largest sites. */
function allocationLine(rate: number, name: string, l: Latency, ceiling: Latency | undefined): void {
  const a = l.allocation;
  if (!a || l.n === 0) return;
  const kb = (bytes: number): string => fmt(bytes / l.n / 1024, 1);
  const ratio = ceiling?.allocation && ceiling.n > 0 ? ` (${fmt(a.total / l.n / (ceiling.allocation.total / ceiling.n), 2)}× the pass-through's)` : '';
  const packages = [...a.byClass].sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k === 'other' ? 'Node' : k} ${kb(v)}`);
  const sites = [...a.bySite].sort((x, y) => y[1] - x[1]).slice(0, 8).map(([k, v]) => `${kb(v)} ${k}`);
  allocationLines.push(`  ${fmt(rate)}/s ${name}: ${kb(a.total)} KB per event${ratio}: ${packages.join(', ')}\n    largest sites, KB per event: ${sites.join('; ')}`);
}

const pids = await findPids(process.env.WARDEN_REDIS_URL ?? 'redis://127.0.0.1:6379');
const input = `${run}.audit`;
await createTopic(input);
process.stderr.write(`loading ${fmt(N)} events into ${input} (${PARTITIONS} partitions)…\n`);
await produceAll(kafka, input, Array.from({ length: N }, (_, i) => message(eventAt(i))));

const passName = `${run}-pass`;
const none: Drained = { rate: Number.NaN, cpuMicros: Number.NaN, mainMicros: Number.NaN, warm: { rate: Number.NaN, cpuMicros: Number.NaN, mainMicros: Number.NaN }, fromStart: Number.NaN, stages: new Map(), machine: null };
const wardenName = `${run}-warden`;
// `--repeat N`: the two consumers drain the same backlog N times, alternately (each drain with a
// consumer group and output topic of its own), so that a drift of the machine between two drains
// shows as spread rather than as a difference between the consumers. The detail below is the last pair's.
const pairs: Array<{ ceiling: Drained; warden: Drained }> = [];
for (let r = 0; r < REPEAT; r++) {
  const suffix = REPEAT > 1 ? `-${r + 1}` : '';
  const c = ONLY === 'warden' ? none : await drain(`${passName}${suffix}.out`, N, () => passThrough(input, `${passName}${suffix}.out`, `${passName}${suffix}-g`));
  const w = ONLY === 'pass' ? none : await drain(`${wardenName}${suffix}.decisions`, N, () => wardenGroup(`${wardenName}${suffix}`, input, INSTANCES));
  pairs.push({ ceiling: c, warden: w });
}
const { ceiling, warden } = pairs[pairs.length - 1]!;

// `p50 … max`: handed to the producer → seen by the watcher (this process's clock). `log p50 / p99`:
// the event appended to the input topic → its decision appended to the output (the broker's clock).
// `core wait`: of the time the consumer's main thread was ready to run, the share it waited for a core.
const rows: (string | number)[][] = [['offered load', 'consumer', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'log p50', 'log p99', 'n', 'CPU µs/event', 'machine busy', 'core wait']];
type Latency = Awaited<ReturnType<typeof latency>>;
const latencyRow = (rate: number, name: string, l: Latency): (string | number)[] => [`${fmt(rate)}/s`, name, fmt(l.p50, 1), fmt(l.p90, 1), fmt(l.p99, 1), fmt(l.max, 1), fmt(l.log.p50, 1), fmt(l.log.p99, 1), l.n, fmt(l.cpuMicros, 1), `${fmt(100 * l.busyShare)}%`, `${fmt(100 * l.coreWait)}%`];
const medianRow = (rate: number, name: string, runs: Latency[]): (string | number)[] => {
  const m = (pick: (l: Latency) => number): number => median(runs.map(pick));
  return [`${fmt(rate)}/s`, `${name}, median of ${runs.length}`, fmt(m((l) => l.p50), 1), fmt(m((l) => l.p90), 1), fmt(m((l) => l.p99), 1), fmt(m((l) => l.max), 1), fmt(m((l) => l.log.p50), 1), fmt(m((l) => l.log.p99), 1), '', fmt(m((l) => l.cpuMicros), 1), `${fmt(100 * m((l) => l.busyShare))}%`, `${fmt(100 * m((l) => l.coreWait))}%`];
};
for (const rate of RATES) {
  // With --repeat, the two consumers take turns at each rate (as in the drains): the tail of one
  // 15-second run is a handful of episodes (a GC, the broker, a neighbour), so one run says little.
  const passRuns: Latency[] = [];
  const wardenRuns: Latency[] = [];
  for (let r = 0; r < REPEAT; r++) {
    const suffix = REPEAT > 1 ? `-${r + 1}` : '';
    if (ONLY !== 'warden') {
      const p = `${run}-pl${rate}${suffix}`;
      const pass = await latency(`${p}.in`, `${p}.out`, rate, () => passThrough(`${p}.in`, `${p}.out`, `${p}-g`));
      passRuns.push(pass);
      rows.push(latencyRow(rate, 'pass-through', pass));
      allocationLine(rate, 'pass-through', pass, undefined);
    }
    if (ONLY !== 'pass') {
      const w = `${run}-wl${rate}${suffix}`;
      const lat = await latency(`${w}.in`, `${w}.decisions`, rate, () => wardenGroup(w, `${w}.in`, INSTANCES));
      wardenRuns.push(lat);
      rows.push(latencyRow(rate, 'warden run', lat));
      allocationLine(rate, 'warden run', lat, passRuns[passRuns.length - 1]);
    }
  }
  if (REPEAT > 1) {
    if (passRuns.length > 0) rows.push(medianRow(rate, 'pass-through', passRuns));
    if (wardenRuns.length > 0) rows.push(medianRow(rate, 'warden run', wardenRuns));
  }
}

console.log(`live pipeline, ${fmt(N)} simulator events, ${PARTITIONS} partitions, batches of ${fmt(BATCH)}, ${IN_FLIGHT} in flight, commits ≥ ${COMMIT_INTERVAL} ms apart, learning written ${STORE_INTERVAL === undefined ? 'at the default interval' : `≤ ${STORE_INTERVAL} ms after publishing`}${Object.keys(FETCH).length > 0 ? `, warden's fetches ${JSON.stringify(FETCH)}` : ''}, node ${process.version} ${NODE_FLAGS.length > 0 ? NODE_FLAGS.join(' ') : "with Node's default flags"}`);
console.log(`sustained: pass-through ceiling ${fmt(ceiling.rate)} events/s; warden run ×${INSTANCES}${THREADS > 1 ? ` with ${THREADS} threads` : ''} (Redis store, signed decisions) ${fmt(warden.rate)} events/s = ${fmt((100 * warden.rate) / ceiling.rate)}% of the ceiling`);
console.log(`backlog drain ratio (warden run / pass-through, same run): ${fmt(warden.rate / ceiling.rate, 2)}; decisions.allow: ${ALLOW}`);
console.log(`CPU per event (user + system, whole process): pass-through ${fmt(ceiling.cpuMicros, 1)} µs, warden run ${fmt(warden.cpuMicros, 1)} µs (${fmt(warden.cpuMicros / ceiling.cpuMicros, 2)}×)`);
if (REPEAT > 1) {
  const ratios = pairs.map((p) => p.warden.rate / p.ceiling.rate);
  const cpu = pairs.map((p) => p.warden.cpuMicros / p.ceiling.cpuMicros);
  const warmRatios = pairs.map((p) => p.warden.warm.rate / p.ceiling.warm.rate);
  const warmCpu = pairs.map((p) => p.warden.warm.cpuMicros / p.ceiling.warm.cpuMicros);
  const list = (xs: number[], digits: number): string => xs.map((x) => fmt(x, digits)).join(' ');
  console.log(`${REPEAT} alternated pairs: drain ratio ${list(ratios, 2)} (median ${fmt(median(ratios), 2)}); CPU ${list(cpu, 2)}× (median ${fmt(median(cpu), 2)}×)`);
  console.log(`  second halves: drain ratio ${list(warmRatios, 2)} (median ${fmt(median(warmRatios), 2)}); CPU ${list(warmCpu, 2)}× (median ${fmt(median(warmCpu), 2)}×)`);
}
const threadSplit = (d: Drained): string =>
  `main thread ${fmt(d.mainMicros, 1)}, other threads ${fmt(d.cpuMicros - d.mainMicros, 1)} (second half: ${fmt(d.warm.mainMicros, 1)}, ${fmt(d.warm.cpuMicros - d.warm.mainMicros, 1)})`;
console.log(`CPU per event by thread, µs (the other threads: V8's optimising compiler and GC helpers, libuv's pool):\n  pass-through: ${threadSplit(ceiling)}\n  warden run:   ${threadSplit(warden)}`);
console.log(`from starting the process to the last record: pass-through ${fmt(ceiling.fromStart, 2)} s, warden run ${fmt(warden.fromStart, 2)} s`);
console.log(
  `second half of each drain (warm): pass-through ${fmt(ceiling.warm.rate)} events/s, ${fmt(ceiling.warm.cpuMicros, 1)} µs; warden run ${fmt(warden.warm.rate)} events/s, ${fmt(warden.warm.cpuMicros, 1)} µs; ratio ${fmt(warden.warm.rate / ceiling.warm.rate, 2)}, CPU ${fmt(warden.warm.cpuMicros / ceiling.warm.cpuMicros, 2)}×`,
);
const perStage = (d: Drained): string => {
  const parts = [...d.stages].filter(([stage]) => stage !== 'total').map(([stage, micros]) => `${stage} ${fmt(micros, 1)}`);
  const staged = [...d.stages].filter(([stage]) => stage !== 'total').reduce((sum, [, micros]) => sum + micros, 0);
  return `${parts.join(', ')}, outside the stages ${fmt(d.cpuMicros - staged, 1)}`;
};
console.log(`CPU per event per stage, µs (process-wide while the stage runs):\n  pass-through: ${perStage(ceiling)}\n  warden run:   ${perStage(warden)}`);
const machineLine = (name: string, d: Drained): string => {
  const m = d.machine;
  return m ? `  ${name}: broker ${fmt(m.broker, 1)}, Redis ${fmt(m.redis, 1)}, benchmark process (load, watcher) ${fmt(m.bench, 1)}; machine ${fmt(100 * m.busyShare)}% busy` : `  ${name}: not measured`;
};
console.log(`the rest of the machine during each drain, CPU µs per event:\n${machineLine('pass-through', ceiling)}\n${machineLine('warden run  ', warden)}`);
console.log(table(rows));
if (allocationLines.length > 0) console.log(`JavaScript heap allocated during each measured load (V8's sampling heap profiler attached, and every consumer of this run started with --inspect: compare its figures, drains included, with other --alloc runs only):\n${allocationLines.join('\n')}`);
if (stageLines.length > 0) console.log(`warden run stages (the measured load, warm-up left out):\n${stageLines.join('\n')}`);

// Leave nothing behind: this run's baselines in Redis and its topics on the broker.
const redis = new Redis(process.env.WARDEN_REDIS_URL ?? 'redis://127.0.0.1:6379');
let removed = 0;
for await (const keys of redis.scanStream({ match: `${run}-*`, count: 1000 }) as AsyncIterable<string[]>) {
  if (keys.length > 0) removed += await redis.unlink(...keys);
}
redis.disconnect();
const admin = kafka.admin();
await admin.connect();
const topics = (await admin.listTopics()).filter((t) => t.startsWith(run));
await admin.deleteTopics({ topics }).catch(() => undefined);
await admin.disconnect();
process.stderr.write(`cleaned up: ${fmt(removed)} Redis keys, ${topics.length} topics\n`);
process.exit(0);
