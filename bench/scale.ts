/**
 * Scale-out benchmark: 1, 2 and 3 `warden run` processes in one consumer group against the local
 * three-broker cluster (replication 3, min.insync.replicas 2), on the Redis Cluster given by
 * WARDEN_REDIS_CLUSTER_NODES if set, else the plain Redis. For each count: N simulator events
 * loaded first, then drained; prints events/s, CPU per event (the instances, the three brokers,
 * Redis) and how busy the machine's cores were, which says where the 2 cores stop it. Also the
 * capacity-model inputs of docs/scaling.md: Kafka bytes per input event on the decisions, blocks
 * and dead-letter topics, and Redis memory per identity.
 *
 *   node scripts/services.mjs up --kafka-cluster && npm run build && npx tsx bench/scale.ts [--events 60000] [--instances 1,2,3] [--partitions 6]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import type { Consumer, Message } from 'kafkajs';
import { stringify } from 'yaml';
import { generateKeyPair } from '../src/decisions/signing.js';
import type { WardenEvent } from '../src/events/event.js';
import { simulate } from '../src/simulator/generate.js';
import { produceAll, watchOutput } from './lib/kafka-load.js';
import { fmt, table } from './lib/stats.js';
import { machineSeconds, processCpuSeconds } from './lib/machine-cpu.js';
import { RECOMMENDED_NODE_FLAGS } from '../src/cli/support/node-flags.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '60000' },
    instances: { type: 'string', default: '1,2,3' },
    partitions: { type: 'string', default: '6' },
    'bad-every': { type: 'string', default: '1000' },
  },
});
const N = Number(args.events);
const COUNTS = String(args.instances).split(',').map(Number);
const PARTITIONS = Number(args.partitions);
const BAD_EVERY = Number(args['bad-every']);
const NODES = [1, 2, 3];
const brokers = (process.env.WARDEN_KAFKA_CLUSTER_BROKERS ?? NODES.map((n) => `127.0.0.1:${n * 10_000 + 9092}`).join(',')).split(',');
const redisNodes = process.env.WARDEN_REDIS_CLUSTER_NODES ?? '';
const kafka = new Kafka({ clientId: 'bench-scale', brokers, logLevel: logLevel.NOTHING, retry: { retries: 30 } });
const run = `scale-${Date.now().toString(36)}`;

const sim = simulate({ seed: 3, days: 14, fleet: 60 });
const eventAt = (i: number): WardenEvent => {
  const e = sim.events[i % sim.events.length]!;
  const lap = Math.floor(i / sim.events.length);
  return lap === 0 ? e : { ...e, id: `${e.id}-r${lap}`, time: new Date(Date.parse(e.time) + lap * 14 * 86_400_000).toISOString() };
};
// One record in BAD_EVERY is not JSON, so the dead-letter topic's cost per event is measured too.
const messageAt = (i: number): Message => (BAD_EVERY > 0 && i % BAD_EVERY === BAD_EVERY - 1 ? { key: 'bad', value: `{"not json ${i}` } : { key: eventAt(i).identity.id, value: JSON.stringify(eventAt(i)) });

const dir = mkdtempSync(join(tmpdir(), 'warden-scale-'));
const keys = generateKeyPair();
writeFileSync(join(dir, 'warden.key'), keys.privateKeyPem);
// `warden run` verifies approval records with the public key, so it needs both.
writeFileSync(join(dir, 'warden.pub'), keys.publicKeyPem);
writeFileSync(join(dir, 'identities.yaml'), stringify({ identities: sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind, environment: i.env, tokens: [i.tokenId] })) }));
mkdirSync(join(dir, 'policies'));

interface Topics {
  input: string;
  decisions: string;
  blocks: string;
  dlq: string;
}

function configFor(name: string, t: Topics, port: number): string {
  const file = join(dir, `${name}-${port}.yaml`);
  writeFileSync(
    file,
    stringify({
      kafka: { brokers, clientId: name, groupId: `${name}-g`, inputs: [{ topic: t.input, format: 'warden' }], topics: { decisions: t.decisions, blocks: t.blocks, dlq: t.dlq } },
      redis: { keyPrefix: name },
      pipeline: { maxBatchSize: 1000, maxInFlightBatches: 2, http: { host: '127.0.0.1', port: 0 } },
      identity: { inventory: join(dir, 'identities.yaml') },
      policy: { dir: join(dir, 'policies') },
      signing: { privateKeyFile: join(dir, 'warden.key'), publicKeyFile: join(dir, 'warden.pub') },
      logging: { level: 'info' },
    }),
  );
  return file;
}

function brokerPids(): number[] {
  return NODES.map((n) => {
    try {
      return Number(readFileSync(`.warden/kafka-cluster/node-${n}/broker.pid`, 'utf8').trim());
    } catch {
      return Number.NaN;
    }
  });
}

function redisClient(): Redis {
  const first = redisNodes.split(',')[0];
  if (first) {
    const [host = '127.0.0.1', port = '7001'] = first.split(':');
    return new Redis({ host, port: Number(port) });
  }
  return new Redis(process.env.WARDEN_REDIS_URL ?? 'redis://127.0.0.1:6379');
}

/** Redis CPU seconds (user + sys) of the server(s), from INFO cpu. */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const num = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 'NaN');
  return num('used_cpu_user') + num('used_cpu_sys');
}

function startWarden(config: string): { joined: Promise<number>; pid: number | undefined; stop: () => Promise<void> } {
  const child = spawn(process.execPath, [...RECOMMENDED_NODE_FLAGS, 'bin/warden.js', 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WARDEN_KAFKA_BROKERS: '' } });
  const joined = new Promise<number>((resolve, reject) => {
    const scan = (chunk: Buffer): void => {
      const text = chunk.toString();
      if (text.includes('joined consumer group')) resolve(Date.now());
      if (process.env.BENCH_LOGS || text.includes('"level":50') || text.includes('"level":60')) process.stderr.write(text);
    };
    child.stdout?.on('data', scan);
    child.stderr?.on('data', scan);
    child.once('exit', (code) => reject(new Error(`warden run exited with ${code} before joining`)));
  });
  joined.catch(() => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    joined,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Bytes (key + value + headers) and records written to `topic`, read back from the start. */
async function topicBytes(topic: string): Promise<{ bytes: number; records: number }> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = ends.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
  let bytes = 0;
  let records = 0;
  if (want === 0) return { bytes, records };
  const consumer: Consumer = kafka.consumer({ groupId: `${topic}-bytes`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        records++;
        bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
        for (const [k, v] of Object.entries(m.headers ?? {})) bytes += k.length + (Buffer.isBuffer(v) ? v.length : String(v ?? '').length);
      }
    },
  });
  while (records < want) await new Promise((r) => setTimeout(r, 50));
  await consumer.disconnect();
  return { bytes, records };
}

/** Redis memory (MEMORY USAGE) of every key under `prefix`, and the number of identities. */
async function redisMemory(redis: Redis, prefix: string): Promise<{ bytes: number; keys: number }> {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of found) {
      bytes += Number((await redis.call('MEMORY', 'USAGE', key)) ?? 0);
      keys++;
    }
  } while (cursor !== '0');
  return { bytes, keys };
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) await redis.del(...found);
  } while (cursor !== '0');
}

interface Row {
  instances: number;
  rate: number;
  wardenCpu: number;
  brokerCpu: number;
  redisCpu: number;
  machineBusy: number;
  decisions: { bytes: number; records: number };
  blocks: { bytes: number; records: number };
  dlq: { bytes: number; records: number };
  inputBytes: number;
  redisBytes: number;
  redisKeys: number;
}

async function measure(count: number, messages: Message[], redis: Redis): Promise<Row> {
  const name = `${run}-x${count}`;
  const t: Topics = { input: `${name}.audit`, decisions: `${name}.decisions`, blocks: `${name}.blocks`, dlq: `${name}.dlq` };
  const admin = kafka.admin();
  await admin.connect();
  const replicated = { replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] };
  await admin.createTopics({ topics: [{ topic: t.input, numPartitions: PARTITIONS, ...replicated }, { topic: t.decisions, numPartitions: PARTITIONS, ...replicated }, { topic: t.blocks, numPartitions: 1, ...replicated }, { topic: t.dlq, numPartitions: 1, ...replicated }], waitForLeaders: false });
  for (;;) {
    const ok = await admin.fetchTopicMetadata({ topics: Object.values(t) }).then((m) => m.topics.every((x) => x.partitions.every((p) => p.leader >= 0)), () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await admin.disconnect();
  await produceAll(kafka, t.input, messages);
  const bad = messages.filter((m) => m.key === 'bad').length;
  const expected = messages.length - bad;

  let seen = 0;
  let lastAt = 0;
  const watcher = await watchOutput(kafka, t.decisions, `${name}-watch`, (_id, at) => {
    seen++;
    lastAt = at;
  });
  const members = Array.from({ length: count }, (_, i) => startWarden(configFor(name, t, i)));
  const joinedAt = Math.max(...(await Promise.all(members.map((m) => m.joined))));
  const before = seen;
  const pids = brokerPids();
  const cpu = (): { warden: number; broker: number } => ({
    warden: members.reduce((s, m) => s + processCpuSeconds(m.pid), 0),
    broker: pids.reduce((s, p) => s + processCpuSeconds(p), 0),
  });
  const c0 = cpu();
  const r0 = await redisCpuSeconds(redis);
  const m0 = machineSeconds();
  while (seen < expected) await new Promise((r) => setTimeout(r, 20));
  const c1 = cpu();
  const r1 = await redisCpuSeconds(redis);
  const m1 = machineSeconds();
  await Promise.all(members.map((m) => m.stop()));
  await watcher.disconnect();
  const n = expected - before;
  const perEvent = (seconds: number): number => (seconds * 1e6) / n;
  const [decisions, blocks, dlq] = [await topicBytes(t.decisions), await topicBytes(t.blocks), await topicBytes(t.dlq)];
  const mem = await redisMemory(redis, name);
  await deleteKeys(redis, name);
  const cleanup = kafka.admin();
  await cleanup.connect();
  await cleanup.deleteTopics({ topics: Object.values(t) }).catch(() => undefined);
  await cleanup.disconnect();
  return {
    instances: count,
    rate: n / ((lastAt - joinedAt) / 1000),
    wardenCpu: perEvent(c1.warden - c0.warden),
    brokerCpu: perEvent(c1.broker - c0.broker),
    redisCpu: perEvent(r1 - r0),
    machineBusy: ((m1.busy - m0.busy) / (m1.total - m0.total)) * cpus().length,
    decisions,
    blocks,
    dlq,
    inputBytes: messages.reduce((s, m) => s + String(m.value ?? '').length + String(m.key ?? '').length, 0) / messages.length,
    redisBytes: mem.bytes,
    redisKeys: mem.keys,
  };
}

async function main(): Promise<void> {
  const messages = Array.from({ length: N }, (_, i) => messageAt(i));
  const redis = redisClient();
  console.log(`scale-out: ${fmt(N)} records (1 in ${BAD_EVERY} malformed), ${PARTITIONS} partitions, replication 3 / min.insync 2 on ${brokers.join(',')}; Redis ${redisNodes ? `Cluster ${redisNodes}` : 'single node'}; ${cpus().length} cores, node ${process.version}`);
  const rows: Row[] = [];
  for (const count of COUNTS) {
    const row = await measure(count, messages, redis);
    rows.push(row);
    console.log(`  ${count} instance(s): ${fmt(row.rate)} events/s, machine ${fmt(row.machineBusy, 2)} of ${cpus().length} cores busy`);
  }
  console.log(
    table([
      ['instances', 'events/s', 'per instance', 'warden µs/ev', 'brokers µs/ev', 'redis µs/ev', 'cores busy'],
      ...rows.map((r) => [r.instances, fmt(r.rate), fmt(r.rate / r.instances), fmt(r.wardenCpu, 1), fmt(r.brokerCpu, 1), fmt(r.redisCpu, 1), `${fmt(r.machineBusy, 2)} / ${cpus().length}`]),
    ]),
  );
  const r = rows[0];
  if (r) {
    const events = N - Math.floor(N / BAD_EVERY);
    const identities = new Set(Array.from({ length: Math.min(N, sim.events.length) }, (_, i) => eventAt(i).identity.id)).size;
    console.log(`Kafka bytes per input record (key + value + headers, one replica; ×3 on disk and ×2 in replication traffic):`);
    console.log(`  input ${fmt(r.inputBytes)} B; decisions ${fmt(r.decisions.bytes / N, 1)} B (${fmt(r.decisions.records)} records); blocks ${fmt(r.blocks.bytes / N, 2)} B (${fmt(r.blocks.records)} records); dlq ${fmt(r.dlq.bytes / N, 2)} B (${fmt(r.dlq.records)} records of ${fmt(N - events)} malformed)`);
    console.log(`Redis: ${fmt(r.redisKeys)} keys, ${fmt(r.redisBytes / 1024)} KiB for ${identities} identities (+ peer groups and offset watermarks) = ${fmt(r.redisBytes / identities / 1024, 1)} KiB per identity`);
  }
  redis.disconnect();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
