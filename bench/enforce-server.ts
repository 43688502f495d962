/**
 * Child process of bench/enforce.ts, so that the load generator and the gateway do not share an
 * event loop: `gateway <upstreamUrl> <brokers> <topic> <publicKeyB64>` is `warden gateway` in
 * front of the benchmark's upstream, fed by a real enforcer; `gateway-inline … <cacheTtlMs>` is
 * `warden gateway --inline` on top of it, deciding every request with the decider of `warden run`
 * against baselines in the real Redis (the demo fleet's week of history, learned first under a
 * key prefix of its own and removed at the end).
 */
import { mkdtempSync } from 'node:fs';
import { Redis } from 'ioredis';
import { RedisBaselineStore } from '../src/baseline/store-redis.js';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoConfig } from '../src/demo/bus.js';
import { demoHistory } from '../src/demo/fleet.js';
import { writeDemoFiles } from '../src/demo/run-demo.js';
import { removeRedisKeys } from '../src/demo/startup.js';
import { openInlineDecider } from '../src/enforcer/inline-setup.js';
import type { InlineSetup } from '../src/enforcer/inline-setup.js';
import { silentLogger } from '../src/observability/logger.js';
import { buildStages } from '../src/pipeline/stages.js';
import { gatewaySchema } from '../src/config/sections/gateway.js';
import { createEnforcer } from '../src/enforcer/enforcer.js';
import { startGateway } from '../src/enforcer/gateway.js';
import { createIdentifier } from '../src/enforcer/identify.js';

// Never outlive the benchmark that started us.
process.on('disconnect', () => process.exit(0));

const [role, upstreamUrl = '', brokers = '127.0.0.1:9092', topic = 'warden.blocks', publicKeyB64 = '', cacheTtl = '1000'] = process.argv.slice(2);

if (role === 'bare-proxy') {
  // The ceiling: the same undici pool.stream forwarding with no identification, check or metrics.
  const { createServer } = await import('node:http');
  const { Pool } = await import('undici');
  const pool = new Pool(upstreamUrl, { connections: 128 });
  const server = createServer((req, res) => {
    void pool
      .stream({ method: 'GET', path: req.url ?? '/', headers: { 'x-warden-identity': String(req.headers['x-warden-identity']) } }, ({ statusCode, headers }) => {
        res.writeHead(statusCode, headers as Record<string, string>);
        return res;
      })
      .catch(() => res.destroy());
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  process.send?.({ url: `http://127.0.0.1:${port}` });
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
    else process.exit(0);
  });
} else if (role === 'gateway' || role === 'gateway-inline') {
  const enforcer = createEnforcer({ brokers: brokers.split(','), topic, publicKeys: [Buffer.from(publicKeyB64, 'base64').toString()], failMode: 'open' });
  await enforcer.ready(60_000);
  const inline = role === 'gateway-inline' ? await inlineDecider(brokers.split(','), Number(cacheTtl)) : null;
  const config = gatewaySchema.parse({ listen: { port: 0 }, upstream: upstreamUrl, ...(inline ? { inline: inline.config } : {}) });
  const gateway = await startGateway({ config, checker: enforcer, identifier: createIdentifier(config.identify, null), ...(inline ? { inline: inline.setup.decide } : {}) });
  process.send?.({ url: gateway.url, activeBlocks: enforcer.stats().activeBlocks });
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage(), ...(inline ? { cache: inline.setup.store.stats() } : {}) });
    else
      void gateway
        .close()
        .then(() => inline?.close())
        .then(() => enforcer.close())
        .then(() => process.exit(0));
  });
}

/** The inline decider over a real Redis holding the demo fleet's baselines (learned here first). */
async function inlineDecider(brokerList: string[], cacheTtlMs: number): Promise<{ config: Record<string, unknown>; setup: InlineSetup; close(): Promise<void> }> {
  const run = `bench-inline-${process.pid}-${Date.now().toString(36)}`;
  const files = writeDemoFiles(mkdtempSync(join(tmpdir(), 'warden-bench-inline-')), run);
  const warden = demoConfig(files, brokerList, process.env.WARDEN_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const writer = await buildStages(warden, silentLogger, { store: new RedisBaselineStore(new Redis(warden.redis.url), { keyPrefix: warden.redis.keyPrefix, ttlMs: 86_400_000 }) });
  await writer.decider.decideBatch(demoHistory(new Date(Date.UTC(2026, 10, 17, 10, 0, 0)), 7));
  await writer.close();
  // The benchmark's requests (GET /api/items as svc-monitor, from its usual host) are its usual call.
  const config = {
    enabled: true,
    cacheTtlMs,
    sourceIpHeader: 'x-bench-source-ip',
    workloadHeader: 'x-bench-workload',
    event: { environment: 'prod', region: 'eu-west-1' },
    routes: [{ method: 'GET', path: '/api/items', action: 'cloudwatch:GetMetricData', resource: 'arn:aws:cloudwatch:eu-west-1:1111:*' }],
  };
  const gw = gatewaySchema.parse({ inline: config });
  let tick = 0;
  const setup = await openInlineDecider(warden, gw, silentLogger, { clock: () => new Date(Date.UTC(2026, 10, 17, 10, 5, 0) + tick++) });
  return {
    config,
    setup,
    async close() {
      await setup.close();
      await removeRedisKeys(warden.redis.url, run);
    },
  };
}
