/**
 * Replay throughput: simulate a fleet, write it as NDJSON, then time (1) the ceiling: reading and
 * parsing the same file without deciding, (2) replay with the memory store, (3) replay with the
 * Redis store (127.0.0.1:6379 or WARDEN_REDIS_URL; a unique key prefix, removed afterwards).
 * Each figure is the best of 3 runs after a warm-up run (JIT), as a live instance would be warm.
 * Then Redis memory per identity: `MEMORY USAGE key SAMPLES 0` summed over all of an identity's
 * keys, for the profile hash the store writes and for the layout before it (one JSON string and a
 * watermarks hash), both with one partition watermark as a live instance leaves it.
 * Usage: node --max-semi-space-size=64 --import tsx bench/replay.ts [fleet=100] [days=14] [batch=5000]
 * (a larger young generation halves garbage-collection time; see BENCHMARKS.md).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadKnowledgeDir } from '../src/knowledge/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/load.js';
import { simulate } from '../src/simulator/generate.js';
import { buildPolicySet } from '../src/policy/policy-set.js';
import { createPolicyEngine } from '../src/policy/engine.js';
import { compileInventory } from '../src/identity/inventory.js';
import { createIdentityResolver } from '../src/identity/resolver.js';
import { readEventsFile } from './lib/native-events.js';
import { createDecider } from '../src/scoring/decider.js';
import { replayEvents } from '../src/pipeline/replay.js';
import { MemoryBaselineStore } from '../src/baseline/store-memory.js';
import { RedisBaselineStore } from '../src/baseline/store-redis.js';
import type { BaselineStore } from '../src/baseline/store.js';
import { baselineKeys } from '../src/baseline/redis/keys.js';
import { DIMENSIONS } from '../src/baseline/profile.js';

/** Sections of a profile hash: the value maps, then scalars, hours, sketch, activity, volume, tokens, failures, novel, other. */
const SECTIONS = DIMENSIONS.length + 9;

const fleet = Number(process.argv[2] ?? 100);
const days = Number(process.argv[3] ?? 14);
/** Events per decision batch: 5000 as `warden replay`; a few hundred is closer to a live instance's batches. */
const batchSize = Number(process.argv[4] ?? 5000);
const config = parseConfig('{}', 'bench');
const sim = simulate({ seed: 42, days, fleet });
const dir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
const file = join(dir, 'events.jsonl');
writeFileSync(file, sim.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
const records = sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind, environment: i.env }));

async function timeIt(label: string, run: () => Promise<number>): Promise<number> {
  await run();
  let best = 0;
  let bestCpu = 0;
  let n = 0;
  for (let i = 0; i < 3; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    n = await run();
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (n / s > best) {
      best = n / s;
      bestCpu = n / ((cpu.user + cpu.system) / 1e6);
    }
  }
  console.log(`${label.padEnd(34)} ${n} events: ${Math.round(best)} ev/s wall, ${Math.round(bestCpu)} ev per CPU-second`);
  return best;
}

// The shipped technique knowledge pack decides with the baselines, as in `warden replay`.
const knowledge = loadKnowledgeDir(config.knowledge.dir);

async function replay(store: BaselineStore): Promise<number> {
  const decider = createDecider({ config, resolver: createIdentityResolver(compileInventory(records), { unknownIdentity: config.identity.unknownIdentity }), policy: createPolicyEngine(buildPolicySet([])), store, knowledge });
  let bytes = 0;
  const summary = await replayEvents(readEventsFile(file), decider, (ds) => {
    // Serialise as the CLI does, so output cost is part of the figure.
    for (const d of ds) bytes += JSON.stringify(d).length + 1;
  }, { batchSize });
  if (bytes === 0) throw new Error('no output');
  return summary.events;
}

console.log(`fleet ${fleet}, ${days} days: ${sim.events.length} events, batches of ${batchSize} (node ${process.version})`);
const ceiling = await timeIt('ceiling: read + parse only', async () => {
  let n = 0;
  for await (const e of readEventsFile(file)) if (e.id) n++;
  return n;
});
const memory = await timeIt('replay, memory store', () => replay(new MemoryBaselineStore()));
const identities: string[] = [];
{
  // Memory per identity: the serialised profile size (what Redis stores), bounded by the caps.
  const store = new MemoryBaselineStore();
  await replay(store);
  const sizes: number[] = [];
  for (const id of store.identities()) sizes.push(JSON.stringify(await store.get(id)).length);
  identities.push(...store.identities());
  sizes.sort((a, b) => a - b);
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`profile size (maxEntriesPerMap ${config.baseline.maxEntriesPerMap}): median ${kb(sizes[Math.floor(sizes.length / 2)] ?? 0)}, max ${kb(sizes[sizes.length - 1] ?? 0)} over ${sizes.length} identities`);
}
const redis = new Redis(process.env.WARDEN_REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `bench-${process.pid}-${Date.now()}`;
let redisRate = 0;
try {
  let last: RedisBaselineStore | null = null;
  redisRate = await timeIt('replay, Redis store', () => replay((last = new RedisBaselineStore(redis, { keyPrefix: prefix, ttlMs: 3_600_000 }))));
  const st = (last as RedisBaselineStore | null)?.stats();
  // The runs share a key prefix, so the last one finds every profile in Redis: all its writes are incremental.
  if (st) console.log(`Redis writes (last run)             ${st.writes} identity writes, ${st.wholeWrites} whole, ${(st.sectionsWritten / Math.max(1, st.writes)).toFixed(1)} sections (${(st.bytesSent / Math.max(1, st.writes) / 1024).toFixed(2)} KiB) per write of ${SECTIONS}`);
  await redisMemory(redis, prefix);
} finally {
  const keys = await redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
}
/** Redis memory per identity (all of its keys), now and in the layout before the profile hash. */
async function redisMemory(client: Redis, keyPrefix: string): Promise<void> {
  const reader = new RedisBaselineStore(client, { keyPrefix, ttlMs: 3_600_000, keepProfiles: 0 });
  const usage = async (keys: string[]): Promise<number> => {
    let total = 0;
    for (const key of keys) total += Number((await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
    return total;
  };
  const hash: number[] = [];
  const json: number[] = [];
  for (const id of identities) {
    const k = baselineKeys(keyPrefix, id);
    const profile = await reader.get(id);
    if (!profile) continue;
    // A live instance leaves one partition watermark per identity (offsets of ~8 digits).
    await client.hset(k.profile, '@audit.events-0', '12345678');
    hash.push(await usage([k.profile]));
    const legacy = `${keyPrefix}:legacy:{${id}}`;
    await client.set(`${legacy}:profile`, JSON.stringify(profile), 'PX', 3_600_000);
    await client.hset(`${legacy}:wm`, 'audit.events-0', '12345678', '__v', '1234');
    await client.pexpire(`${legacy}:wm`, 3_600_000);
    json.push(await usage([`${legacy}:profile`, `${legacy}:wm`]));
  }
  const line = (label: string, sizes: number[]): void => {
    sizes.sort((a, b) => a - b);
    const at = (q: number): string => `${((sizes[Math.min(sizes.length - 1, Math.floor(q * sizes.length))] ?? 0) / 1024).toFixed(1)} KiB`;
    console.log(`${label.padEnd(34)} median ${at(0.5)}, p90 ${at(0.9)}, max ${at(1)} over ${sizes.length} identities`);
  };
  line('Redis memory, before (JSON)', json);
  line('Redis memory, profile hash', hash);
}

console.log(`memory: ${(memory / ceiling).toFixed(2)} of ceiling (bar 50000 ev/s: ${memory >= 50_000 ? 'met' : 'NOT met'})`);
console.log(`redis:  ${(redisRate / ceiling).toFixed(2)} of ceiling (bar 20000 ev/s: ${redisRate >= 20_000 ? 'met' : 'NOT met'})`);
