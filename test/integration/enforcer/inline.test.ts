/**
 * `warden gateway --inline` against the real broker and Redis: a week of the demo fleet's history
 * is learned by a real `warden run`; then requests through the inline gateway are decided before
 * they reach the upstream — allowed, denied by policy, denied by the knowledge pack, alerted by the
 * baseline — and with Redis unreachable the fail modes hold. With emit on, `warden run` publishes
 * the same decision for the gateway's own audit event.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { WardenConfig } from '../../../src/config/schema.js';
import { gatewaySchema } from '../../../src/config/sections/gateway.js';
import type { Decision } from '../../../src/decisions/decision.js';
import { demoConfig } from '../../../src/demo/bus.js';
import { DEMO_ATTACK, DEMO_FLEET, DEMO_ROUTES, demoHistory } from '../../../src/demo/fleet.js';
import type { DemoIdentity } from '../../../src/demo/fleet.js';
import { writeDemoFiles } from '../../../src/demo/run-demo.js';
import { RedisBaselineStore } from '../../../src/baseline/store-redis.js';
import { BlockTable } from '../../../src/enforcer/block-table.js';
import type { BlockChecker } from '../../../src/enforcer/gateway-decide.js';
import { startGateway } from '../../../src/enforcer/gateway.js';
import type { Gateway } from '../../../src/enforcer/gateway.js';
import { createIdentifier } from '../../../src/enforcer/identify.js';
import { openInlineDecider } from '../../../src/enforcer/inline-setup.js';
import type { InlineSetup } from '../../../src/enforcer/inline-setup.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { startWardenApp } from '../../../src/pipeline/app.js';
import type { WardenApp } from '../../../src/pipeline/app.js';
import { buildStages } from '../../../src/pipeline/stages.js';
import { ensureTopics, topicSpecs } from '../../../src/pipeline/topics.js';
import { deleteKeys, eventually, kafkaBrokers, redisUrl, testKafka, testRedis, uniqueName } from '../helpers/services.js';

const run = uniqueName('inline');
const files = writeDemoFiles(mkdtempSync(join(tmpdir(), 'warden-inline-')), run);
const demo: WardenConfig = demoConfig(files, kafkaBrokers(), redisUrl());
// Every decision in full (allows too), so the one `warden run` publishes can be compared field by field.
const config: WardenConfig = { ...demo, decisions: { ...demo.decisions, allow: 'full' } };
const kafka = testKafka();
// History ends on a Tuesday at 10:00 UTC; live requests continue from there, 2 s of event time apart.
const weekStart = Date.UTC(2026, 10, 17, 10, 0, 0);
let tick = 0;
const clock = (): Date => new Date(weekStart + 60_000 + 2000 * tick++);
const byId = (id: string): DemoIdentity => DEMO_FLEET.find((i) => i.id === id)!;

let admin: Admin;
let producer: Producer;
let watcher: Consumer;
let app: WardenApp;
let upstream: Server;
let upstreamUrl: string;
const upstreamSaw: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
const decisions = new Map<string, Decision>();
const closers: Array<() => Promise<unknown>> = [];

const table = new BlockTable();
const checker: BlockChecker = {
  check: (identity, tokenId, action) => {
    const v = table.check(identity, tokenId, action, Date.now());
    return v.block ? { allowed: false, reason: v.block.reason, decisionId: v.block.decisionId, expiresAt: v.block.expiresAt } : { allowed: true };
  },
};

const routes = [
  ...DEMO_ROUTES,
  { method: 'POST', path: '/cloudtrail/trails/{trail}/stop', action: 'cloudtrail:StopLogging', resource: 'arn:aws:cloudtrail:eu-west-1:1111:trail/{trail}' },
  { method: 'DELETE', path: '/backup/vaults/{vault}', action: 'backup:DeleteBackupVault', resource: 'arn:aws:backup:eu-west-1:1111:backup-vault:{vault}', request: { backupVaultName: '{vault}' } },
];

async function inlineGateway(inline: Record<string, unknown>, cfg: WardenConfig = config): Promise<{ gateway: Gateway; setup: InlineSetup }> {
  const gw = gatewaySchema.parse({
    listen: { port: 0 },
    upstream: upstreamUrl,
    identify: { mode: 'header' },
    inline: { enabled: true, timeoutMs: 500, sourceIpHeader: 'x-demo-source-ip', workloadHeader: 'x-demo-workload', event: { environment: 'prod', region: 'eu-west-1' }, routes, ...inline },
  });
  const setup = await openInlineDecider(cfg, gw, silentLogger, { clock });
  closers.push(() => setup.close());
  const gateway = await startGateway({ config: gw, checker, identifier: createIdentifier(gw.identify, null), inline: setup.decide, inlineStats: setup.stats });
  closers.push(() => gateway.close());
  return { gateway, setup };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: { error?: string; decisionId?: string | null; eventId?: string; score?: number; reason?: string; reasons?: Array<{ code: string; weight: number; detail: string }> } | null;
}

async function call(gw: Gateway, who: DemoIdentity, method: string, path: string, from: { ip: string; userAgent: string; workload?: string } = { ip: who.sourceIp, userAgent: who.userAgent, workload: who.workload }): Promise<Answer> {
  const res = await request(gw.url + path, {
    method: method as 'GET',
    headers: { 'x-warden-identity': who.id, 'x-warden-token': who.token, 'user-agent': from.userAgent, 'x-demo-source-ip': from.ip, ...(from.workload ? { 'x-demo-workload': from.workload } : {}) },
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text.startsWith('{') ? (JSON.parse(text) as Answer['body']) : null };
}

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicSpecs(config));
  app = await startWardenApp(config, silentLogger, await buildStages(config, silentLogger));
  producer = kafka.producer();
  await producer.connect();
  watcher = kafka.consumer({ groupId: `${run}-watch`, maxWaitTimeInMs: 20 });
  await watcher.connect();
  await watcher.subscribe({ topic: config.kafka.topics.decisions, fromBeginning: true });
  await watcher.run({
    eachMessage: async ({ message }) => {
      const d = JSON.parse(message.value?.toString() ?? 'null') as Decision;
      decisions.set(d.eventId, d);
    },
  });
  const history = demoHistory(new Date(weekStart), 7);
  for (let i = 0; i < history.length; i += 1000) {
    await producer.send({ topic: config.kafka.inputs[0]!.topic, messages: history.slice(i, i + 1000).map((e) => ({ key: e.identity.id, value: JSON.stringify(e) })) });
  }
  await eventually(() => decisions.has(history.at(-1)!.id), 120_000, 'the history to be decided');
  // Run stores what a batch taught after publishing its decisions: wait until every profile has it all.
  const store = new RedisBaselineStore(testRedis(), { keyPrefix: config.redis.keyPrefix, ttlMs: 86_400_000 });
  try {
    for (const identity of DEMO_FLEET) {
      const expected = history.filter((e) => e.identity.id === identity.id).length;
      await eventually(async () => (await store.get(identity.id))?.events === expected, 60_000, `the baseline of ${identity.id}`);
    }
  } finally {
    await store.close();
  }
  upstream = createServer((req, res) => {
    upstreamSaw.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.end('ok');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
}, 180_000);

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  await app?.stop();
  await watcher?.disconnect();
  await producer?.disconnect();
  await admin?.deleteTopics({ topics: [...config.kafka.inputs.map((i) => i.topic), config.kafka.topics.decisions, config.kafka.topics.blocks, config.kafka.topics.dlq] }).catch(() => undefined);
  await admin?.disconnect();
  const redis = testRedis();
  await deleteKeys(redis, `${config.redis.keyPrefix}:`);
  redis.disconnect();
  await new Promise((r) => upstream?.close(r));
}, 60_000);

describe('inline gateway', () => {
  it('forwards an ordinary request of the fleet, with the event id it was decided as, and never writes a baseline', async () => {
    const { gateway, setup } = await inlineGateway({});
    const monitor = byId('svc-monitor');
    const before = upstreamSaw.length;
    const ok = await call(gateway, monitor, 'GET', '/cloudwatch/metrics');
    expect(ok.status).toBe(200);
    expect(ok.headers['x-warden-decision']).toBeUndefined();
    expect(ok.headers['x-warden-event-id']).toMatch(/^gw:[0-9a-f]{32}$/);
    const saw = upstreamSaw.slice(before);
    expect(saw).toHaveLength(1);
    expect(saw[0]?.headers['x-warden-event-id']).toBe(ok.headers['x-warden-event-id']);
    expect(saw[0]?.headers['x-warden-decision-id']).toBe(ok.headers['x-warden-decision-id']);
    // The decider's learning went to the read-only store and was dropped; Redis kept the profile run wrote.
    expect(setup.store.stats().discarded).toBeGreaterThan(0);
    await expect(setup.store.reset(monitor.id)).rejects.toMatchObject({ code: 'WARDEN_STORE_READ_ONLY' });
    const metrics = await (await request(`${gateway.url}/_warden/metrics`)).body.text();
    expect(metrics).toMatch(/^warden_gateway_requests_total\{outcome="allowed"\} 1$/m);
    expect(metrics).toMatch(/^warden_gateway_inline_baseline_reads [1-9]/m);
    const redis = testRedis();
    try {
      const keys = await redis.keys(`${config.redis.keyPrefix}:*svc-monitor*`);
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it("denies a policy violation before it reaches the API: the stolen deployer token's first request", async () => {
    const { gateway } = await inlineGateway({});
    const deployer = byId('svc-ci-deployer');
    const before = upstreamSaw.length;
    const denied = await call(gateway, deployer, 'GET', '/iam/users', { ip: DEMO_ATTACK.sourceIp, userAgent: DEMO_ATTACK.userAgent });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: 'blocked', identity: 'svc-ci-deployer' });
    expect(denied.body?.reasons?.map((r) => r.code)).toContain('POLICY_DENY');
    expect(String(denied.headers['x-warden-reason-codes'])).toContain('POLICY_DENY');
    expect(denied.headers['x-warden-decision']).toBe('block');
    expect(denied.headers['x-warden-decision-id']).toBe(denied.body?.decisionId);
    // Even from its usual runner: the policy does not depend on the source.
    expect((await call(gateway, deployer, 'GET', '/iam/users')).status).toBe(403);
    expect(upstreamSaw.length).toBe(before);
  });

  it('decides each request of the stolen token on its own, and holds its block until the block table has it', async () => {
    const deployer = byId('svc-ci-deployer');
    const attacker = { ip: DEMO_ATTACK.sourceIp, userAgent: DEMO_ATTACK.userAgent };
    // Each request on its own decision: recon, credentials, exfiltration and deletion are blocked;
    // listing the buckets (a low-tier read) alerts and goes through, marked.
    const { gateway: each } = await inlineGateway({ holdBlockMs: 0 });
    const answers: Array<[string, number, unknown]> = [];
    for (const c of DEMO_ATTACK.calls) {
      const a = await call(each, deployer, c.method, c.path, attacker);
      answers.push([`${c.method} ${c.path}`, a.status, a.headers['x-warden-decision'] ?? 'block']);
    }
    expect(answers).toEqual(DEMO_ATTACK.calls.map((c) => [`${c.method} ${c.path}`, c.path === '/s3' ? 200 : 403, c.path === '/s3' ? 'alert' : 'block']));
    // Held (the default): after the first block, the identity is refused at once with that decision.
    const { gateway: holding } = await inlineGateway({});
    const first = await call(holding, deployer, 'GET', '/iam/users', attacker);
    expect(first.status).toBe(403);
    const next = await call(holding, deployer, 'GET', '/s3', attacker);
    expect(next.status).toBe(403);
    expect(next.body).toMatchObject({ decisionId: first.body?.decisionId, reason: `held after an inline block (${first.body?.reason})` });
    // Other identities are not affected.
    expect((await call(holding, byId('svc-monitor'), 'GET', '/cloudwatch/metrics')).status).toBe(200);
  });

  it('denies a critical technique from the knowledge pack for an identity no policy restricts', async () => {
    const { gateway } = await inlineGateway({});
    const monitor = byId('svc-monitor');
    const denied = await call(gateway, monitor, 'POST', '/cloudtrail/trails/org-trail/stop');
    expect(denied.status).toBe(403);
    const technique = denied.body?.reasons?.find((r) => r.code === 'ATTACK_TECHNIQUE');
    expect(technique?.detail).toMatch(/T1562/);
    expect(denied.body?.reasons?.map((r) => r.code)).not.toContain('POLICY_DENY');
    const backups = byId('svc-backup-bot');
    const vault = await call(gateway, backups, 'DELETE', '/backup/vaults/prod-vault');
    expect(vault.status).toBe(403);
    expect(vault.body?.reasons?.find((r) => r.code === 'ATTACK_TECHNIQUE')?.detail).toMatch(/T1490.*backups removed: backup:DeleteBackupVault prod-vault/);
  });

  it('forwards a baseline anomaly below the block threshold, marked as an alert', async () => {
    const { gateway } = await inlineGateway({});
    const chatops = byId('svc-chatops-bot');
    const before = upstreamSaw.length;
    // The chat bot, from its own host, reads a data file it never read: new for it, not a technique.
    const alerted = await call(gateway, chatops, 'GET', '/s3/raw-events/2026/part-0001.parquet');
    expect(alerted.status).toBe(200);
    expect(alerted.headers['x-warden-decision']).toBe('alert');
    expect(String(alerted.headers['x-warden-reason-codes']).split(',')).toEqual(expect.arrayContaining(['NEW_ACTION', 'NEW_SERVICE']));
    const saw = upstreamSaw.slice(before);
    expect(saw).toHaveLength(1);
    expect(saw[0]?.headers['x-warden-decision']).toBe('alert');
    expect(saw[0]?.headers['x-warden-reason-codes']).toBe(alerted.headers['x-warden-reason-codes']);
  });

  it('applies the block table before deciding inline', async () => {
    const { gateway } = await inlineGateway({});
    const now = Date.now();
    table.apply({ identity: 'svc-etl-nightly', state: 'block', reason: 'token leaked', decisionId: 'dec-table', source: 'operator:test', createdAt: new Date(now).toISOString(), expiresAt: new Date(now + 60_000).toISOString() }, now);
    const denied = await call(gateway, byId('svc-etl-nightly'), 'GET', '/s3/raw-events/2026/part-0001.parquet');
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ decisionId: 'dec-table', reason: 'token leaked' });
  });

  it('Redis unreachable: fail open forwards marked degraded, fail closed answers 503, a policy deny stays 403 in both', async () => {
    const down = parseConfig(JSON.stringify({ ...JSON.parse(JSON.stringify(config)), redis: { ...config.redis, url: 'redis://127.0.0.1:1' } }), 'down.yaml', {});
    const open = await inlineGateway({ failMode: 'open' }, down);
    const closed = await inlineGateway({ failMode: 'closed' }, down);
    const monitor = byId('svc-monitor');
    const before = upstreamSaw.length;
    const forwarded = await call(open.gateway, monitor, 'GET', '/cloudwatch/metrics');
    expect(forwarded.status).toBe(200);
    expect(String(forwarded.headers['x-warden-degraded'])).toMatch(/baselines (unavailable|not read)/);
    expect(upstreamSaw.slice(before).map((s) => s.headers['x-warden-degraded'])).toEqual([forwarded.headers['x-warden-degraded']]);
    const refused = await call(closed.gateway, monitor, 'GET', '/cloudwatch/metrics');
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'decision_unavailable', identity: 'svc-monitor' });
    expect(refused.headers['x-warden-decision']).toBe('unavailable');
    const deployer = byId('svc-ci-deployer');
    for (const gw of [open.gateway, closed.gateway]) {
      const denied = await call(gw, deployer, 'GET', '/iam/users');
      expect(denied.status).toBe(403);
      expect(denied.body?.reasons?.map((r) => r.code)).toEqual(expect.arrayContaining(['POLICY_DENY', 'STORE_UNAVAILABLE']));
    }
    expect(upstreamSaw.length).toBe(before + 1);
  });

  it('emit on: warden run learns from the gateway event and publishes the same decision (same ids, verdict, score, reasons)', async () => {
    const { gateway, setup } = await inlineGateway({ emit: true });
    const bot = byId('svc-chatops-bot');
    const allowed = await call(gateway, bot, 'GET', '/ecs/services/web');
    expect(allowed.status).toBe(200);
    const denied = await call(gateway, byId('svc-ci-deployer'), 'POST', '/iam/users/admin/access-keys', { ip: DEMO_ATTACK.sourceIp, userAgent: DEMO_ATTACK.userAgent });
    expect(denied.status).toBe(403);
    await setup.emitter?.flush();
    expect(await (await request(`${gateway.url}/_warden/metrics`)).body.text()).toMatch(/^warden_gateway_emitted_events 2$/m);
    const allowedId = String(allowed.headers['x-warden-event-id']);
    const deniedId = String(denied.body?.eventId);
    await eventually(() => decisions.has(allowedId) && decisions.has(deniedId), 30_000, 'warden run to decide the gateway events');
    const fromRun = decisions.get(allowedId)!;
    expect(fromRun).toMatchObject({ decisionId: allowed.headers['x-warden-decision-id'], verdict: 'allow', identity: bot.id, action: 'ecs:DescribeServices' });
    const blockFromRun = decisions.get(deniedId)!;
    expect(blockFromRun.decisionId).toBe(denied.body?.decisionId);
    expect(blockFromRun.verdict).toBe('block');
    expect(blockFromRun.score).toBe(denied.body?.score);
    expect(blockFromRun.reasons.map((r) => ({ code: r.code, detail: r.detail, weight: r.weight }))).toEqual(denied.body?.reasons);
    expect(blockFromRun.reasons.some((r) => r.code === 'ATTACK_TECHNIQUE' && /access key created for admin/.test(r.detail))).toBe(true);
    // Exactly once: each event decided once by run, none of them twice.
    expect([...decisions.values()].filter((d) => d.eventId === allowedId || d.eventId === deniedId)).toHaveLength(2);
  });
});
