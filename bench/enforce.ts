/**
 * Enforcement benchmarks (see BENCHMARKS.md "Enforcement"):
 *  1. `check()` calls/s against a 10k-entry block table, next to a bare Map lookup (the ceiling);
 *  2. gateway added latency p50/p99 at 1k req/s: the same paced requests sent directly to a
 *     loopback upstream and through the gateway, interleaved in one run;
 *  3. time-to-enforce p50/p99: a signed block record produced to Kafka → the enforcer denies;
 *  4. inline mode (`warden gateway --inline`): the same measure with every request decided by the
 *     decider of `warden run` against baselines in the real Redis, with the default 1 s baseline
 *     cache and with no cache (a Redis read per request), next to the block-table-only figure.
 * Run: npx tsx bench/enforce.ts [requests=10000] [blocks=200]   (BENCH_RATE=200 for a lower pace)
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'undici';
import { blockKey } from '../src/decisions/block-record.js';
import type { BlockRecord } from '../src/decisions/block-record.js';
import { createSigner, generateKeyPair } from '../src/decisions/signing.js';
import { BlockTable } from '../src/enforcer/block-table.js';
import { createEnforcer } from '../src/enforcer/enforcer.js';

const REQUESTS = Number(process.argv[2] ?? 10_000);
const BLOCKS = Number(process.argv[3] ?? 200);
// Requests per second per path; BENCH_RATE lowers it where a busy machine cannot keep 1 000/s.
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const brokers = (process.env.WARDEN_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const pair = generateKeyPair();
const signer = createSigner(pair.privateKeyPem);
const kafka = new Kafka({ clientId: 'bench-enforce', brokers, logLevel: logLevel.NOTHING });

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const ms = (n: number): string => `${n.toFixed(3)} ms`;

function record(identity: string, ttlMs = 3_600_000): BlockRecord {
  const now = Date.now();
  return { identity, state: 'block', reason: 'bench', decisionId: `dec-${identity}`, source: 'warden', createdAt: new Date(now).toISOString(), expiresAt: new Date(now + ttlMs).toISOString() };
}

function benchCheck(): void {
  const table = new BlockTable();
  const now = Date.now();
  const keys = new Map<string, boolean>();
  for (let i = 0; i < 10_000; i++) {
    table.apply(record(`svc-${i}`), now);
    keys.set(`svc-${i}`, true);
  }
  const ids = Array.from({ length: 20_000 }, (_, i) => `svc-${i}`); // half blocked, half not
  const N = 5_000_000;
  let denied = 0;
  let t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) if (!table.check(ids[i % ids.length] ?? '', 'tok', 'GET /x', now).allowed) denied++;
  const checkNs = Number(process.hrtime.bigint() - t);
  let hits = 0;
  t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) if (keys.get(ids[i % ids.length] ?? '') !== undefined) hits++;
  const mapNs = Number(process.hrtime.bigint() - t);
  const perSec = (N / checkNs) * 1e9;
  const ceiling = (N / mapNs) * 1e9;
  console.log(`check(): ${(perSec / 1e6).toFixed(2)} M calls/s (${(checkNs / N).toFixed(0)} ns/call; ${denied} denied) | ceiling Map.get: ${(ceiling / 1e6).toFixed(2)} M/s (${hits} hits) | ratio ${(perSec / ceiling).toFixed(2)}`);
}

function spawnServer(args: string[]): Promise<{ child: ChildProcess; url: string; activeBlocks?: number }> {
  const child = fork(fileURLToPath(new URL('./enforce-server.ts', import.meta.url)), args, { execArgv: [...process.execArgv, ...(process.env.GATEWAY_NODE_FLAGS ?? '').split(' ').filter(Boolean)] });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, ...(m as { url: string; activeBlocks?: number }) }));
    child.once('exit', (code) => reject(new Error(`bench server ${args[0]} exited ${code}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
}

interface GatewayFigures {
  cpuUsPerRequest: number;
  added50: number;
  added99: number;
}

async function benchGateway(topic: string, role: 'gateway' | 'bare-proxy' | 'gateway-inline', cacheTtlMs = 1000): Promise<GatewayFigures> {
  // The upstream runs in this process (two cores: one for the load generator and upstream, one
  // for the gateway); that makes the direct path, if anything, cheaper, so the added figure is
  // conservative.
  const body = JSON.stringify({ items: [{ id: 1, name: 'artifact', size: 1234 }] });
  const upstreamServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  upstreamServer.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => upstreamServer.listen(0, '127.0.0.1', r));
  const upstream = { url: `http://127.0.0.1:${(upstreamServer.address() as AddressInfo).port}` };
  const gw = await spawnServer([role, upstream.url, brokers.join(','), topic, Buffer.from(pair.publicKeyPem).toString('base64'), String(cacheTtlMs)]);
  const urls = { upstreamUrl: upstream.url, gatewayUrl: gw.url, activeBlocks: gw.activeBlocks ?? 0 };
  const direct = new Pool(urls.upstreamUrl, { connections: 64 });
  const viaGateway = new Pool(urls.gatewayUrl, { connections: 64 });
  // Inline: the demo monitor's usual call from its usual host (its baseline is in Redis).
  const headers: Record<string, string> =
    role === 'gateway-inline'
      ? { 'x-warden-identity': 'svc-monitor', 'user-agent': 'prometheus-cloudwatch-exporter/0.15', 'x-bench-source-ip': '10.50.2.2', 'x-bench-workload': 'monitoring' }
      : { 'x-warden-identity': 'svc-reporter' };
  const checkPool = new Pool(urls.gatewayUrl, { connections: 64 });
  const checkHeaders = { ...headers, 'x-original-uri': '/api/items', 'x-original-method': 'GET' };
  const one = async (pool: Pool, out: number[]): Promise<void> => {
    const t = process.hrtime.bigint();
    const res = pool === checkPool ? await pool.request({ method: 'GET', path: '/v1/check', headers: checkHeaders }) : await pool.request({ method: 'GET', path: '/api/items', headers });
    await res.body.text();
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  };
  // Warm up connections and JIT.
  for (let i = 0; i < 3000; i++) await Promise.all([one(direct, []), one(viaGateway, [])]);
  const stats = (): Promise<{ cpu: NodeJS.CpuUsage; cache?: { hits: number; misses: number } }> =>
    new Promise((resolve) => {
      gw.child.once('message', (m) => resolve(m as { cpu: NodeJS.CpuUsage; cache?: { hits: number; misses: number } }));
      gw.child.send('cpu');
    });
  const before = await stats();
  const cpuBefore = before.cpu;
  const d: number[] = [];
  const g: number[] = [];
  const c: number[] = [];
  const start = performance.now();
  const pending: Promise<void>[] = [];
  let sent = 0;
  while (sent < REQUESTS) {
    const due = Math.min(REQUESTS, Math.floor(((performance.now() - start) * RATE) / 1000) + 1);
    for (; sent < due; sent++) {
      // Alternate which goes first so neither path is favoured.
      if (sent % 2 === 0) pending.push(one(direct, d), one(viaGateway, g));
      else pending.push(one(viaGateway, g), one(direct, d));
      // The nginx auth_request / Envoy ext_authz path: only the gateway's local check, no proxying.
      if (role !== 'bare-proxy') pending.push(one(checkPool, c));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  const after = await stats();
  const cpuAfter = after.cpu;
  // The gateway process serves the proxied requests and, in the gateway runs, as many /v1/check calls.
  const cpuUsPerRequest = (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) / (role !== 'bare-proxy' ? 2 * REQUESTS : REQUESTS);
  d.sort((a, b) => a - b);
  g.sort((a, b) => a - b);
  c.sort((a, b) => a - b);
  const added50 = pct(g, 50) - pct(d, 50);
  const added99 = pct(g, 99) - pct(d, 99);
  if (role === 'bare-proxy') {
    console.log(`ceiling: bare undici proxy (no identification, check, metrics) p50 ${ms(pct(g, 50))}  p99 ${ms(pct(g, 99))} (direct p99 ${ms(pct(d, 99))})  CPU per request ${cpuUsPerRequest.toFixed(0)} µs`);
    await direct.close();
    await viaGateway.close();
    await checkPool.close();
    await stop(gw.child);
    upstreamServer.closeAllConnections();
    await new Promise((r) => upstreamServer.close(r));
    return { cpuUsPerRequest, added50, added99 };
  }
  if (role === 'gateway-inline') {
    const reads = (after.cache?.misses ?? 0) - (before.cache?.misses ?? 0);
    const served = (after.cache?.hits ?? 0) - (before.cache?.hits ?? 0) + reads;
    console.log(`inline gateway (baseline cache ${cacheTtlMs} ms; ${reads} Redis reads for ${served} baseline loads) @ ${(REQUESTS / elapsed).toFixed(0)} req/s per path:`);
    console.log(`  direct  p50 ${ms(pct(d, 50))}  p99 ${ms(pct(d, 99))} | inline gateway p50 ${ms(pct(g, 50))}  p90 ${ms(pct(g, 90))}  p99 ${ms(pct(g, 99))}  max ${ms(g.at(-1) ?? NaN)}`);
    console.log(`  added   p50 ${ms(added50)}  p99 ${ms(added99)}`);
    console.log(`  /v1/check inline round trip p50 ${ms(pct(c, 50))}  p99 ${ms(pct(c, 99))}  max ${ms(c.at(-1) ?? NaN)}`);
    console.log(`  gateway CPU per request: ${cpuUsPerRequest.toFixed(0)} µs`);
    await direct.close();
    await viaGateway.close();
    await checkPool.close();
    await stop(gw.child);
    upstreamServer.closeAllConnections();
    await new Promise((r) => upstreamServer.close(r));
    return { cpuUsPerRequest, added50, added99 };
  }
  console.log(`load average during the run: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores; other processes count)`);
  console.log(`gateway @ ${(REQUESTS / elapsed).toFixed(0)} req/s per path (${REQUESTS} each, ${urls.activeBlocks} blocks in the table):`);
  console.log(`  direct  p50 ${ms(pct(d, 50))}  p90 ${ms(pct(d, 90))}  p99 ${ms(pct(d, 99))}  max ${ms(d.at(-1) ?? NaN)}`);
  console.log(`  gateway p50 ${ms(pct(g, 50))}  p90 ${ms(pct(g, 90))}  p99 ${ms(pct(g, 99))}  max ${ms(g.at(-1) ?? NaN)}`);
  console.log(`  added   p50 ${ms(added50)}  p99 ${ms(added99)}  (bar 1 ms: ratio ${added99.toFixed(2)})`);
  console.log(`  /v1/check round trip (what nginx auth_request adds) p50 ${ms(pct(c, 50))}  p90 ${ms(pct(c, 90))}  p99 ${ms(pct(c, 99))}  max ${ms(c.at(-1) ?? NaN)}  (bar 1 ms: ratio ${pct(c, 99).toFixed(2)})`);
  console.log(`  gateway CPU per request (proxied and /v1/check alike): ${cpuUsPerRequest.toFixed(0)} µs (user+system; load-independent)`);
  await direct.close();
  await viaGateway.close();
  await checkPool.close();
  await stop(gw.child);
  upstreamServer.closeAllConnections();
  await new Promise((r) => upstreamServer.close(r));
  return { cpuUsPerRequest, added50, added99 };
}

async function benchTimeToEnforce(topic: string): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const enforcer = createEnforcer({ brokers, topic, publicKeys: [pair.publicKeyPem], failMode: 'open' });
  await enforcer.ready(60_000);
  const waits = new Map<string, (at: bigint) => void>();
  enforcer.on('block', (b) => waits.get(b.identity)?.(process.hrtime.bigint()));
  const samples: number[] = [];
  for (let i = 0; i < BLOCKS; i++) {
    const identity = `tte-${i}`;
    const signed = signer.sign(record(identity));
    const applied = new Promise<bigint>((resolve) => waits.set(identity, resolve));
    const t0 = process.hrtime.bigint();
    await producer.send({ topic, acks: -1, messages: [{ key: blockKey(identity), value: JSON.stringify(signed) }] });
    const t1 = await applied;
    if (enforcer.check(identity).allowed) throw new Error(`${identity} still allowed after its block event`);
    samples.push(Number(t1 - t0) / 1e6);
    waits.delete(identity);
    await new Promise((r) => setTimeout(r, 5));
  }
  samples.sort((a, b) => a - b);
  console.log(`time-to-enforce (produce → check() denies), ${BLOCKS} blocks: p50 ${ms(pct(samples, 50))}  p99 ${ms(pct(samples, 99))}  max ${ms(samples.at(-1) ?? NaN)}  (bar 500 ms: ratio ${(pct(samples, 99) / 500).toFixed(3)})`);
  await enforcer.close();
  await producer.disconnect();
}

async function main(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench-blocks-${Date.now()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
  try {
    benchCheck();
    // A realistic table for the gateway: some blocked identities, none of them the caller.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 1000 }, (_, i) => signer.sign(record(`svc-blocked-${i}`))).map((r) => ({ key: blockKey(r.identity), value: JSON.stringify(r) })) });
    await producer.disconnect();
    const gateway = await benchGateway(topic, 'gateway');
    const bare = await benchGateway(topic, 'bare-proxy');
    console.log(`gateway CPU per request vs bare proxy: ratio ${(gateway.cpuUsPerRequest / bare.cpuUsPerRequest).toFixed(2)}`);
    if (process.env.BENCH_INLINE !== '0') {
      for (const ttl of [1000, 0]) {
        const inline = await benchGateway(topic, 'gateway-inline', ttl);
        const over = inline.added99 - gateway.added99;
        console.log(`  inline (cache ${ttl} ms) over block-table-only: added p99 +${ms(over)} (bar 1 ms: ratio ${over.toFixed(2)}), p50 +${ms(inline.added50 - gateway.added50)}, CPU ×${(inline.cpuUsPerRequest / gateway.cpuUsPerRequest).toFixed(2)}`);
      }
    }
    await benchTimeToEnforce(topic);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

await main();
