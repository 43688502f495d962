/**
 * The inline gateway's decision cost without HTTP or Redis round trips (see BENCHMARKS.md
 * "Inline guardrails"): CPU per request of `createGatewayDecider` — request → native event →
 * normalizer → the decider of `warden run` on a one-event batch over the read-only store — with
 * the demo fleet's baselines in memory behind the read-only cache (every load a cache hit, as
 * for an identity seen within the last second). CPU time, so other load on the machine does not
 * change the figure much.
 * Run: npx tsx bench/enforce-inline.ts [requests=20000]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBaselineStore } from '../src/baseline/store-memory.js';
import { ReadOnlyBaselineStore } from '../src/baseline/store-readonly.js';
import { gatewaySchema } from '../src/config/sections/gateway.js';
import { demoConfig } from '../src/demo/bus.js';
import { DEMO_FLEET, demoHistory } from '../src/demo/fleet.js';
import { writeDemoFiles } from '../src/demo/run-demo.js';
import { createNormalizer } from '../src/events/index.js';
import { createEventBuilder, createGatewayDecider } from '../src/enforcer/inline-decider.js';
import type { GatewayRequestInfo } from '../src/enforcer/inline.js';
import { silentLogger } from '../src/observability/logger.js';
import { buildStages } from '../src/pipeline/stages.js';

const N = Number(process.argv[2] ?? 20_000);
const files = writeDemoFiles(mkdtempSync(join(tmpdir(), 'warden-bench-inline-')), 'bench-inline');
const config = demoConfig(files, ['127.0.0.1:9092'], 'redis://127.0.0.1:6379');
const memory = new MemoryBaselineStore({ copies: true });
const learner = await buildStages(config, silentLogger, { store: memory });
await learner.decider.decideBatch(demoHistory(new Date(Date.UTC(2026, 10, 17, 10, 0, 0)), 7));
await learner.close();

const monitor = DEMO_FLEET.find((i) => i.id === 'svc-monitor')!;
const { inline } = gatewaySchema.parse({
  inline: { enabled: true, cacheTtlMs: 3_600_000, sourceIpHeader: 'x-src', workloadHeader: 'x-wl', event: { environment: 'prod', region: 'eu-west-1' }, routes: [{ method: 'GET', path: '/cloudwatch/metrics', action: 'cloudwatch:GetMetricData', resource: 'arn:aws:cloudwatch:eu-west-1:1111:*' }] },
});
const request: GatewayRequestInfo = {
  identity: monitor.id,
  tokenId: monitor.token,
  method: 'GET',
  path: '/cloudwatch/metrics',
  query: '',
  uri: '/cloudwatch/metrics',
  action: 'GET /cloudwatch/metrics',
  sourceIp: '127.0.0.1',
  userAgent: monitor.userAgent,
  headers: { 'x-src': monitor.sourceIp, 'x-wl': monitor.workload },
  receivedAt: 0,
};
let tick = 0;
const clock = (): Date => new Date(Date.UTC(2026, 10, 17, 10, 5, 0) + tick++);
const store = new ReadOnlyBaselineStore(memory, { ttlMs: 3_600_000 });
const stages = await buildStages(config, silentLogger, { store });
const decide = createGatewayDecider({ decider: stages.decider, inline, clock, normalize: createNormalizer({ format: 'warden', events: config.events }) });
const build = createEventBuilder(inline, clock);
const normalize = createNormalizer({ format: 'warden', events: config.events });

async function cpuPer(label: string, work: () => unknown): Promise<number> {
  for (let i = 0; i < 2000; i++) await work();
  const before = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < N; i++) await work();
  const used = process.cpuUsage(before);
  const us = (used.user + used.system) / N;
  console.log(`${label.padEnd(52)} ${us.toFixed(1).padStart(7)} µs CPU/request  (${((N / (performance.now() - t)) * 1000).toFixed(0)} /s wall)`);
  return us;
}

const verdicts = new Map<string, number>();
const total = await cpuPer('inline decision (event, normalize, decide, cache hit)', async () => {
  const v = await decide(request);
  verdicts.set(v.verdict, (verdicts.get(v.verdict) ?? 0) + 1);
});
await cpuPer('  of which: event + normalizer', () => normalize(JSON.stringify(build(request)), { topic: 'gateway' }));
await cpuPer('  of which: read-only store load (copy of the profile)', () => store.load([monitor.id], null));
console.log(`verdicts: ${[...verdicts].map(([v, n]) => `${v} ${n}`).join(', ')}; ${(1e6 / total).toFixed(0)} inline decisions/s per core`);
await stages.close();
