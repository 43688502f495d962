/**
 * The bar of approvals (docs/approvals.md), end to end through the real broker: with a block in
 * force, one operator requests a grant, cannot approve it themselves, another approves it, the
 * gateway lets exactly the approved action through and refuses it again once the grant lapses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { request } from 'undici';
import { gatewaySchema } from '../../src/config/sections/gateway.js';
import { createEnforcer } from '../../src/enforcer/enforcer.js';
import type { Enforcer } from '../../src/enforcer/enforcer.js';
import { startGateway } from '../../src/enforcer/gateway.js';
import type { Gateway } from '../../src/enforcer/gateway.js';
import { createIdentifier, sha256Hex } from '../../src/enforcer/identify.js';
import { createSigner, generateKeyPair } from '../../src/decisions/signing.js';
import type { ApprovalRecord } from '../../src/approvals/record.js';
import { openRequest } from '../../src/approvals/state.js';
import { runCli } from '../helpers/cli.js';
import { eventually, kafkaBrokers, testKafka, uniqueName } from './helpers/services.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-approvals-'));
const topics = { blocks: uniqueName('blocks'), approvals: uniqueName('approvals'), audit: uniqueName('audit') };
const configFile = join(dir, 'warden.yaml');
const kafka = testKafka();
const pair = generateKeyPair();
let admin: Admin;
let upstream: Server;
let enforcer: Enforcer;
let gateway: Gateway;

const cli = (...args: string[]): ReturnType<typeof runCli> => runCli(...args, '-c', configFile);
const auth = { authorization: 'Bearer deployer-secret' };

async function status(method: string, path: string): Promise<number> {
  const res = await request(`${gateway.url}${path}`, { method, headers: auth });
  await res.body.dump();
  return res.statusCode;
}

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: topics.blocks, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: topics.approvals, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: topics.audit, numPartitions: 1, replicationFactor: 1 },
    ],
    waitForLeaders: true,
  });
  writeFileSync(join(dir, 'warden.key'), pair.privateKeyPem);
  writeFileSync(join(dir, 'warden.pub'), pair.publicKeyPem);
  writeFileSync(join(dir, 'identities.yaml'), 'identities:\n  - id: svc-deployer\n    owner: team-platform\n    criticality: high\n');
  writeFileSync(
    configFile,
    `kafka:\n  brokers: [${kafkaBrokers().map((b) => JSON.stringify(b)).join(', ')}]\n  topics: { blocks: ${topics.blocks}, approvals: ${topics.approvals}, audit: ${topics.audit} }\n` +
      `identity:\n  inventory: ${JSON.stringify(join(dir, 'identities.yaml'))}\n` +
      `approvals:\n  required: { high: 1, critical: 2 }\n` +
      `signing:\n  privateKeyFile: ${JSON.stringify(join(dir, 'warden.key'))}\n  publicKeyFile: ${JSON.stringify(join(dir, 'warden.pub'))}\nlogging: { level: silent }\n`,
  );
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end(`upstream got ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  enforcer = createEnforcer({ brokers: kafkaBrokers(), topic: topics.blocks, approvalsTopic: topics.approvals, publicKeys: [pair.publicKeyPem], failMode: 'closed' });
  await enforcer.ready(60_000);
  const config = gatewaySchema.parse({ listen: { port: 0 }, upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, identify: { mode: 'bearer' } });
  const identifier = createIdentifier(config.identify, new Map([[sha256Hex('deployer-secret'), { identity: 'svc-deployer', tokenId: 'tok-1' }]]));
  gateway = await startGateway({ config, checker: enforcer, identifier, enforcerStats: () => enforcer.stats() });
});

afterAll(async () => {
  await gateway?.close();
  await enforcer?.close();
  await new Promise((r) => upstream?.close(r));
  await admin?.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin?.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe('approvals: a signed, scoped, time-boxed grant through a block', () => {
  it('lets only the approved action through while the grant lasts, never on the requester\'s own say', async () => {
    expect((await cli('block', 'svc-deployer', '--reason', 'risk 91: token seen from a new network', '--ttl', '2h', '--operator', 'soc')).code).toBe(0);
    await eventually(async () => (await status('GET', '/items/7')) === 403, 30_000, 'the block to reach the gateway');

    const requested = await cli('approvals', 'request', '--identity', 'svc-deployer', '--action', 'get /items/*', '--ttl', '20s', '--reason', 'release 4.2 must read the catalogue', '--as', 'alice', '--json');
    expect(requested.code, requested.err).toBe(0);
    const opened = JSON.parse(requested.out) as ApprovalRecord;
    expect(opened).toMatchObject({ state: 'pending', identity: 'svc-deployer', actions: ['GET /items/*'], owner: 'team-platform', criticality: 'high', required: 1, requestedBy: 'alice', origin: { kind: 'block' }, risk: 91 });
    expect(opened.reasons).toEqual(['release 4.2 must read the catalogue', 'blocked by operator:soc: risk 91: token seen from a new network']);
    expect(opened.id).toMatch(/^apr-[0-9a-f]{16}$/);

    const self = await cli('approvals', 'approve', opened.id, '--as', 'alice');
    expect(self.code).toBe(1);
    expect(self.err).toMatch(/^WARDEN_APPROVAL_SELF alice requested apr-/);
    // Refused, so nothing passes yet.
    expect(await status('GET', '/items/7')).toBe(403);

    const approved = await cli('approvals', 'approve', opened.id, '--as', 'bob', '--json');
    expect(approved.code, approved.err).toBe(0);
    const grant = JSON.parse(approved.out) as ApprovalRecord;
    expect(grant).toMatchObject({ id: opened.id, state: 'approved', transition: 'grant', version: 2, approvals: [expect.objectContaining({ by: 'bob' })] });

    // A slow machine may take a while; well inside the grant's 20 s either way.
    await eventually(async () => (await status('GET', '/items/7')) === 201, 15_000, 'the grant to reach the gateway');
    const passed = await request(`${gateway.url}/items/7`, { headers: auth });
    expect(await passed.body.text()).toBe('upstream got GET /items/7');
    // Nothing else passes: another method, another path, a path below the pattern's segment.
    expect(await status('POST', '/items/7')).toBe(403);
    expect(await status('GET', '/admin/users')).toBe(403);
    expect(await status('GET', '/items/7/secrets')).toBe(403);
    const check = await request(`${gateway.url}/v1/check`, { headers: { ...auth, 'x-original-uri': '/items/9', 'x-original-method': 'GET' } });
    expect(check.statusCode).toBe(200);
    expect(check.headers['x-warden-approval']).toBe(opened.id);
    await check.body.dump();
    expect(enforcer.stats().approvals).toMatchObject({ ready: true, activeGrants: 1, recordsRejected: 0 });
    const shown = await cli('approvals', 'show', opened.id);
    expect(shown.out).toMatch(new RegExp(`^${opened.id}  approved\n`));
    expect(shown.out).toMatch(/approvals {2}1\/1: bob at /);
    expect(shown.out).toMatch(/last {7}grant by bob at /);

    // Once the TTL has passed, the approved action is refused again; the block never went away.
    await eventually(async () => (await status('GET', '/items/7')) === 403, 60_000, 'the grant to lapse');
    const listed = await cli('approvals', 'list', '--all', '--json');
    expect(listed.out.split('\n').map((l) => JSON.parse(l) as { id: string; effectiveState: string })).toEqual([expect.objectContaining({ id: opened.id, effectiveState: 'lapsed' })]);
    const sweep = await cli('approvals', 'sweep', '--as', 'cron');
    expect(sweep.out).toBe(`${opened.id} lapsed`);
    const revoke = await cli('approvals', 'revoke', opened.id, '--as', 'bob');
    expect(revoke.code).toBe(1);
    expect(revoke.err).toMatch(/WARDEN_APPROVAL_STATE cannot revoke apr-\w+: it is lapsed/);

    // The audit topic keeps every transition: open, grant, lapse.
    const offsets = await admin.fetchTopicOffsets(topics.audit);
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(3);
  });

  it('ignores, counts and logs a forged grant; the operator comes from --as or WARDEN_OPERATOR, never a guess', async () => {
    const forger = createSigner(generateKeyPair().privateKeyPem);
    const forged = { ...openRequest({ identity: 'svc-deployer', actions: ['*'], reasons: ['forged'], risk: null, owner: null, criticality: null, required: 1, origin: { kind: 'operator' }, requestedBy: 'mallory', grantTtlMs: 3_600_000, pendingTtlMs: 3_600_000, nowMs: Date.now() }) };
    const granted: ApprovalRecord = { ...forged, version: 2, state: 'approved', transition: 'grant', approvals: [{ by: 'mallory2', at: new Date().toISOString() }], grantedAt: new Date().toISOString(), grantExpiresAt: new Date(Date.now() + 3_600_000).toISOString() };
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: topics.approvals, messages: [{ key: granted.id, value: JSON.stringify(forger.sign(granted)) }, { key: granted.id, value: JSON.stringify(granted) }] });
    await producer.disconnect();
    await eventually(() => (enforcer.stats().approvals?.recordsRejected ?? 0) >= 2, 30_000, 'the forged records to be rejected');
    expect(await status('GET', '/anything')).toBe(403);
    const listed = await cli('approvals', 'list', '--all', '--json');
    expect(listed.out).not.toContain(granted.id);
    expect(listed.err).toMatch(/2 record\(s\) .* failed signature or format checks/);
    const metrics = await (await request(`${gateway.url}/_warden/metrics`)).body.text();
    expect(metrics).toMatch(/warden_enforcer_approval_records_rejected 2/);

    const saved = process.env.WARDEN_OPERATOR;
    try {
      // WARDEN_OPERATOR names the operator when --as is not given.
      process.env.WARDEN_OPERATOR = 'erin';
      const asked = await cli('approvals', 'request', '--identity', 'svc-deployer', '--action', 's3:GetObject', '--ttl', '5m', '--reason', 'backfill', '--json');
      expect(asked.code, asked.err).toBe(0);
      const id = (JSON.parse(asked.out) as ApprovalRecord).id;
      process.env.WARDEN_OPERATOR = 'frank';
      const denied = await cli('approvals', 'deny', id, '--comment', 'use the replica', '--json');
      expect(JSON.parse(denied.out)).toMatchObject({ id, state: 'denied', requestedBy: 'erin', updatedBy: 'frank', comment: 'use the replica' });
      const table = await cli('approvals', 'list', '--state', 'denied');
      expect(table.out.split('\n')[0]).toMatch(/^ID +STATE +IDENTITY +SCOPE +APPROVALS +REQUESTED BY +UNTIL +REASON$/);
      expect(table.out).toMatch(new RegExp(`${id} +denied +svc-deployer +s3:GetObject +0/1 +erin `));
      expect((await cli('approvals', 'show', 'apr-0000000000000000')).err).toMatch(/^WARDEN_APPROVAL_NOT_FOUND/);
      delete process.env.WARDEN_OPERATOR;
      const anonymous = await cli('approvals', 'request', '--identity', 'svc-deployer', '--action', 'GET /x', '--ttl', '1m', '--reason', 'r');
      expect(anonymous.code).toBe(2);
      expect(anonymous.err).toMatch(/WARDEN_USAGE say who you are: --as <name> or the WARDEN_OPERATOR/);
    } finally {
      if (saved !== undefined) process.env.WARDEN_OPERATOR = saved;
    }
  });
});
