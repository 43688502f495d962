/**
 * The operator console's two speed bars, measured without services (memory store, in-process
 * Fastify via inject):
 * 1. an identity with 100,000 decisions renders its page in < 300 ms of server time (the index
 *    keeps a bounded set per identity, so the page costs the same at 100k as at 1k);
 * 2. the live path keeps up with 5,000 decisions/s: reading a decision (JSON.parse), indexing it
 *    and offering it to 10 open live pages (sampled to their budget, counted exactly).
 * The ceiling for (2) is JSON.parse of the same records alone.
 *
 * Usage: npx tsx bench/console.ts [--decisions 100000] [--requests 200]
 */
import { PassThrough } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/load.js';
import { emptyProfile } from '../src/baseline/profile.js';
import { MemoryBaselineStore } from '../src/baseline/store-memory.js';
import type { Decision } from '../src/decisions/decision.js';
import { createSigner, createVerifier, generateKeyPair } from '../src/decisions/signing.js';
import { compileInventory } from '../src/identity/inventory.js';
import { silentLogger } from '../src/observability/logger.js';
import { ConsoleAuth } from '../src/console/auth.js';
import { BlockView } from '../src/console/block-view.js';
import { DecisionIndex } from '../src/console/decision-index.js';
import { EventCache } from '../src/console/event-cache.js';
import { parseDecision } from '../src/console/feed.js';
import { LiveHub } from '../src/console/live.js';
import { buildConsoleServer } from '../src/console/server.js';
import { createHash } from 'node:crypto';
import { fmt, summarize } from './lib/stats.js';

const { values } = parseArgs({ options: { decisions: { type: 'string', default: '100000' }, requests: { type: 'string', default: '200' } } });
const N = Number(values.decisions);
const REQUESTS = Number(values.requests);
const ID = 'svc-ci-deployer';
const TOKEN = 'bench-token-0123456789abcdef';
const START = Date.UTC(2026, 10, 1);
const ACTIONS = ['s3:PutObject', 's3:GetObject', 'ecs:UpdateService', 'ecr:PutImage', 'iam:ListUsers', 'sts:AssumeRole'];

function decisionOf(i: number, identity: string): Decision {
  const alert = i % 97 === 0;
  const t = new Date(START + i * 25_000).toISOString();
  return {
    decisionId: `${identity}-${i.toString(16).padStart(12, '0')}`,
    eventId: `ev-${identity}-${i}`,
    identity,
    owner: 'team-platform',
    action: ACTIONS[i % ACTIONS.length]!,
    resource: `arn:aws:s3:::prod-artifacts/app-${i % 50}.tgz`,
    eventTime: t,
    decidedAt: t,
    verdict: alert ? 'alert' : 'allow',
    score: alert ? 45 : 3,
    mode: 'enforce',
    reasons: alert ? [{ code: 'NEW_ACTION', detail: 'first use of iam:ListUsers in 30d', weight: 30 }, { code: 'NEW_SOURCE_NETWORK', detail: '203.0.113.0/24 never seen', weight: 15 }] : [],
    policy: { id: null, version: 'a1b2c3d4' },
    model: null,
  };
}

/** A profile at its caps: 200 values per dimension, busy weekday hours, tokens. */
function bigProfile() {
  const p = emptyProfile(ID, 512);
  const end = START + N * 25_000;
  p.firstSeen = START;
  p.lastSeen = end;
  p.events = N;
  for (let h = 0; h < 168; h++) p.hours[h] = (h % 24 >= 8 && h % 24 <= 18 && h < 120 ? 50 : 1) * (1 + (h % 7) / 10);
  p.hoursTotal = p.hours.reduce((a, b) => a + b, 0);
  for (const dim of Object.keys(p.maps) as Array<keyof typeof p.maps>) {
    for (let v = 0; v < 200; v++) p.maps[dim].entries[`${dim}-value-${v}`] = { legit: 100 - (v % 100), n: 200 - v, first: START + v * 3_600_000 * 5, last: end, days: 1 + (v % 30), lastDay: end };
    p.maps[dim].size = 200;
  }
  for (let t = 0; t < 20; t++) p.tokens[`AKIA${t}`] = { net: '10.1.2.0/24', asn: 'AS16509', country: 'IE', region: 'eu-west-1', at: end - t * 3_600_000 };
  return p;
}

function sseSink(): ServerResponse {
  const s = new PassThrough();
  s.resume();
  return Object.assign(s, { writeHead: () => s }) as unknown as ServerResponse;
}

async function main(): Promise<void> {
  const config = parseConfig('{}', 'warden.yaml');
  const keys = generateKeyPair();
  const index = new DecisionIndex({ maxDecisions: config.console.maxDecisions, perIdentityDecisions: config.console.perIdentityDecisions, maxIdentities: config.console.maxIdentities });
  const store = new MemoryBaselineStore();
  await store.put(bigProfile());
  const live = new LiveHub(index, config.console.liveMaxPerSecond);
  const app = await buildConsoleServer({
    config,
    auth: new ConsoleAuth({ tokens: new Map([[createHash('sha256').update(TOKEN).digest('hex'), { name: 'bench', role: 'operator' }]]), sessionMs: 3_600_000, secureCookie: true }),
    index,
    blocks: new BlockView(createVerifier([keys.publicKeyPem])),
    events: new EventCache(config.console.eventCacheSize),
    live,
    store,
    inventory: () => compileInventory([{ id: ID, owner: 'team-platform', class: 'ci-deployer', tokens: ['AKIA0'] }]),
    verifier: createVerifier([keys.publicKeyPem]),
    publishBlock: async (r) => createSigner(keys.privateKeyPem).sign(r),
    health: { pipelineLag: async () => [], consoleLag: () => [], consoleReady: () => true, malformedDecisions: () => 0, storeReachable: async () => true },
    logger: silentLogger,
  });

  // Fill: N decisions of one identity, interleaved with 1,000 other identities (N / 4 decisions).
  const fillStart = performance.now();
  for (let i = 0; i < N; i++) {
    index.add(decisionOf(i, ID));
    if (i % 4 === 0) index.add(decisionOf(i, `svc-other-${i % 1000}`));
  }
  const fillMs = performance.now() - fillStart;
  const stats = index.identity(ID);
  console.log(`identity ${ID}: ${fmt(stats?.total ?? 0)} decisions read (${fmt(stats?.hours.size ?? 0)} hourly buckets, ${stats?.recent.length} kept); ${fmt(index.total)} in all, filled in ${fmt(fillMs)} ms`);

  const headers = { authorization: `Bearer ${TOKEN}` };
  const time = async (url: string): Promise<number[]> => {
    for (let i = 0; i < 20; i++) await app.inject({ url, headers });
    const ms: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = performance.now();
      const res = await app.inject({ url, headers });
      ms.push(performance.now() - t0);
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
    }
    return ms;
  };
  const rows: Array<[string, number[]]> = [
    [`/identities/${ID}`, await time(`/identities/${ID}`)],
    ['/ (live, 200 rows)', await time('/')],
    ['/?verdict=alert', await time('/?verdict=alert')],
    ['/fleet', await time('/fleet')],
    ['/blocks', await time('/blocks')],
  ];
  console.log(`\nserver time per page (inject, ${REQUESTS} requests after 20 warm-up)`);
  for (const [name, ms] of rows) {
    const s = summarize(ms);
    console.log(`  ${name.padEnd(32)} p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  max ${s.max.toFixed(1)} ms`);
  }
  const identity = summarize(rows[0]![1]);
  console.log(`bar: identity page with ${fmt(N)} decisions < 300 ms: ${identity.p99 < 300 ? 'met' : 'MISSED'} (p99 ${identity.p99.toFixed(1)} ms)`);

  // Live path: JSON text as it comes off the topic → parse → index → offer to 10 live pages.
  const texts = Array.from({ length: 50_000 }, (_, i) => Buffer.from(JSON.stringify(decisionOf(i, `svc-live-${i % 500}`))));
  let t0 = performance.now();
  let sink = 0;
  for (const t of texts) sink += (JSON.parse(t.toString('utf8')) as Decision).score;
  const ceiling = texts.length / ((performance.now() - t0) / 1000);
  for (let c = 0; c < 10; c++) live.attach(sseSink(), () => true);
  const before = index.total;
  t0 = performance.now();
  for (const t of texts) {
    const d = parseDecision(t);
    if (d) live.publish(index.add(d));
  }
  const rate = texts.length / ((performance.now() - t0) / 1000);
  live.close();
  console.log(`\nlive path, 10 open live pages, ${fmt(texts.length)} decisions (sink ${sink % 10})`);
  console.log(`  ceiling (JSON.parse only)          ${fmt(ceiling)} /s`);
  console.log(`  parse + index + offer to 10 pages  ${fmt(rate)} /s (${((100 * rate) / ceiling).toFixed(0)}% of the ceiling); counted ${fmt(index.total - before)} of ${fmt(texts.length)}`);
  console.log(`bar: 5,000 decisions/s on the live path: ${rate >= 5000 ? 'met' : 'MISSED'} (${(rate / 5000).toFixed(1)}x)`);
  await app.close();
}

await main();
