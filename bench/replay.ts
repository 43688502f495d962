/**
 * Replay throughput: simulate a fleet, write it as NDJSON, then time (1) the ceiling: reading and
 * parsing the same file without deciding, (2) replay with the memory store, (3) replay with the
 * Redis store (127.0.0.1:6379 or WARDEN_REDIS_URL; a unique key prefix, removed afterwards).
 * Usage: npx tsx bench/replay.ts [fleet=200] [days=14]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/load.js';
import { simulate } from '../src/simulator/generate.js';
import { createEmptyPolicy, createInventoryResolver } from '../src/cli/decision-context.js';
import { readEventsFile } from '../src/cli/ndjson.js';
import { createDecider } from '../src/scoring/decider.js';
import { replayEvents } from '../src/pipeline/replay.js';
import { MemoryBaselineStore } from '../src/baseline/store-memory.js';
import { RedisBaselineStore } from '../src/baseline/store-redis.js';
import type { BaselineStore } from '../src/baseline/store.js';

const fleet = Number(process.argv[2] ?? 200);
const days = Number(process.argv[3] ?? 14);
const config = parseConfig('{}', 'bench');
const sim = simulate({ seed: 42, days, fleet });
const dir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
const file = join(dir, 'events.jsonl');
writeFileSync(file, sim.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
const records = sim.identities.map((i) => ({ id: i.id, owner: i.owner, class: i.kind, environment: i.env }));

async function timeIt(label: string, run: () => Promise<number>): Promise<number> {
  const t0 = performance.now();
  const n = await run();
  const s = (performance.now() - t0) / 1000;
  const rate = n / s;
  console.log(`${label.padEnd(34)} ${n} events in ${s.toFixed(2)}s = ${Math.round(rate)} ev/s`);
  return rate;
}

async function replay(store: BaselineStore): Promise<number> {
  const decider = createDecider({ config, resolver: createInventoryResolver(records, config), policy: createEmptyPolicy(), store });
  let bytes = 0;
  const summary = await replayEvents(readEventsFile(file), decider, (ds) => {
    // Serialise as the CLI does, so output cost is part of the figure.
    for (const d of ds) bytes += JSON.stringify(d).length + 1;
  }, { batchSize: 5000 });
  if (bytes === 0) throw new Error('no output');
  return summary.events;
}

console.log(`fleet ${fleet}, ${days} days: ${sim.events.length} events (node ${process.version})`);
const ceiling = await timeIt('ceiling: read + parse only', async () => {
  let n = 0;
  for await (const e of readEventsFile(file)) if (e.id) n++;
  return n;
});
const memory = await timeIt('replay, memory store', () => replay(new MemoryBaselineStore()));
const redis = new Redis(process.env.WARDEN_REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `bench-${process.pid}-${Date.now()}`;
let redisRate = 0;
try {
  redisRate = await timeIt('replay, Redis store', () => replay(new RedisBaselineStore(redis, { keyPrefix: prefix, ttlMs: 3_600_000 })));
} finally {
  const keys = await redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`memory: ${(memory / ceiling).toFixed(2)} of ceiling (bar 50000 ev/s: ${memory >= 50_000 ? 'met' : 'NOT met'})`);
console.log(`redis:  ${(redisRate / ceiling).toFixed(2)} of ceiling (bar 20000 ev/s: ${redisRate >= 20_000 ? 'met' : 'NOT met'})`);
