/**
 * Live pipeline benchmark: producer → Kafka → `warden run` (the same app, in process, Redis store)
 * → decisions, next to a pass-through consumer with the same Kafka settings (the ceiling), both in
 * the same run against the same broker.
 *
 *   npm run services:up && npm run build && npx tsx bench/pipeline.ts [--events 60000] [--rates 1000,5000] [--seconds 15]
 *
 * 1. Sustained: N events are loaded first; each consumer then drains them → events/s.
 * 2. Latency at fixed offered loads: events produced at R/s; produce → decision received p50/p99.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { Kafka, logLevel } from 'kafkajs';
import type { Consumer, Message } from 'kafkajs';
import { parseConfig } from '../src/config/load.js';
import type { WardenConfig } from '../src/config/schema.js';
import { generateKeyPair } from '../src/decisions/signing.js';
import { silentLogger } from '../src/observability/logger.js';
import { startWardenApp } from '../src/pipeline/app.js';
import type { WardenApp } from '../src/pipeline/app.js';
import { buildStages } from '../src/pipeline/stages.js';
import { simulate } from '../src/simulator/generate.js';
import type { WardenEvent } from '../src/events/event.js';
import { produceAll, produceAtRate, startPassThrough, watchOutput } from './lib/kafka-load.js';
import { fmt, summarize, table } from './lib/stats.js';

const { values: args } = parseArgs({
  options: { events: { type: 'string', default: '60000' }, rates: { type: 'string', default: '1000,5000' }, seconds: { type: 'string', default: '15' }, partitions: { type: 'string', default: '4' }, 'in-flight': { type: 'string', default: '2' } },
});
const N = Number(args.events);
const RATES = String(args.rates).split(',').filter(Boolean).map(Number);
const SECONDS = Number(args.seconds);
const PARTITIONS = Number(args.partitions);
const IN_FLIGHT = Number(args['in-flight']);
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
writeFileSync(join(dir, 'identities.yaml'), stringify({ identities: sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind, environment: i.env, tokens: [i.tokenId] })) }));
mkdirSync(join(dir, 'policies'));

function configFor(name: string, input: string): WardenConfig {
  const text = stringify({
    kafka: { brokers, clientId: name, groupId: `${name}-g`, inputs: [{ topic: input, format: 'warden' }], topics: { decisions: `${name}.decisions`, blocks: `${name}.blocks`, dlq: `${name}.dlq` } },
    redis: { keyPrefix: name },
    pipeline: { maxBatchSize: 1000, maxInFlightBatches: IN_FLIGHT, http: { host: '127.0.0.1', port: 0 } },
    identity: { inventory: join(dir, 'identities.yaml') },
    policy: { dir: join(dir, 'policies') },
    signing: { privateKeyFile: join(dir, 'warden.key'), publicKeyFile: join(dir, 'warden.pub') },
    logging: { level: 'error' },
  });
  return parseConfig(text, `${name}.yaml`, {});
}

async function createTopic(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
}

async function startWarden(name: string, input: string): Promise<WardenApp> {
  const config = configFor(name, input);
  return startWardenApp(config, silentLogger, await buildStages(config, silentLogger));
}

async function drain(name: string, output: string, n: number, start: () => Promise<{ stop: () => Promise<void> }>): Promise<number> {
  let seen = 0;
  await createTopic(output);
  const watcher = await watchOutput(kafka, output, `${name}-watch`, () => {
    seen++;
  });
  const t0 = performance.now();
  const runner = await start();
  while (seen < n) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  await runner.stop();
  await watcher.disconnect();
  return n / seconds;
}

async function latency(name: string, input: string, output: string, rate: number, start: () => Promise<{ stop: () => Promise<void> }>): Promise<ReturnType<typeof summarize>> {
  await createTopic(input);
  await createTopic(output);
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  const watcher: Consumer = await watchOutput(kafka, output, `${name}-watch`, (eventId, at) => {
    const t = sentAt.get(eventId);
    if (t !== undefined) lat.push(at - t);
  });
  const runner = await start();
  await new Promise((r) => setTimeout(r, 2000));
  const offset = 1_000_000;
  const total = await produceAtRate(kafka, input, (i) => message(eventAt(offset + i)), rate, SECONDS, (i, at) => sentAt.set(eventAt(offset + i).id, at));
  const deadline = Date.now() + 30_000;
  while (lat.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await runner.stop();
  await watcher.disconnect();
  return summarize(lat);
}

const input = `${run}.audit`;
await createTopic(input);
process.stderr.write(`loading ${fmt(N)} events into ${input} (${PARTITIONS} partitions)…\n`);
await produceAll(kafka, input, Array.from({ length: N }, (_, i) => message(eventAt(i))));

const passName = `${run}-pass`;
const ceiling = await drain(passName, `${passName}.out`, N, async () => {
  const c = await startPassThrough(kafka, input, `${passName}.out`, `${passName}-g`, 1000);
  return { stop: () => c.disconnect() };
});
const wardenName = `${run}-warden`;
const warden = await drain(wardenName, `${wardenName}.decisions`, N, async () => {
  const app = await startWarden(wardenName, input);
  return { stop: () => app.stop() };
});

const rows: (string | number)[][] = [['offered load', 'consumer', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'n']];
for (const rate of RATES) {
  const p = `${run}-pl${rate}`;
  const pass = await latency(p, `${p}.in`, `${p}.out`, rate, async () => {
    const c = await startPassThrough(kafka, `${p}.in`, `${p}.out`, `${p}-g`, 1000);
    return { stop: () => c.disconnect() };
  });
  rows.push([`${fmt(rate)}/s`, 'pass-through', fmt(pass.p50, 1), fmt(pass.p90, 1), fmt(pass.p99, 1), fmt(pass.max, 1), pass.n]);
  const w = `${run}-wl${rate}`;
  const lat = await latency(w, `${w}.in`, `${w}.decisions`, rate, async () => {
    const app = await startWarden(w, `${w}.in`);
    return { stop: () => app.stop() };
  });
  rows.push([`${fmt(rate)}/s`, 'warden run', fmt(lat.p50, 1), fmt(lat.p90, 1), fmt(lat.p99, 1), fmt(lat.max, 1), lat.n]);
}

console.log(`live pipeline, ${fmt(N)} simulator events, ${PARTITIONS} partitions, node ${process.version}`);
console.log(`sustained: pass-through ceiling ${fmt(ceiling)} events/s; warden run (Redis store, signed decisions) ${fmt(warden)} events/s = ${fmt((100 * warden) / ceiling)}% of the ceiling`);
console.log(table(rows));
process.exit(0);
