/**
 * Approvals in the live pipeline, on the real broker and Redis: an approve-mode policy rule
 * refuses an action and `warden run` opens the request; once another operator approves it, the
 * decider lets the same action through with reason APPROVED instead of blocking it again.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer } from 'kafkajs';
import { Redis } from 'ioredis';
import { parseConfig } from '../../src/config/load.js';
import type { Decision } from '../../src/decisions/decision.js';
import { decisionEntriesOf } from '../../src/decisions/topic-records.js';
import { generateKeyPair } from '../../src/decisions/signing.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startWardenApp } from '../../src/pipeline/app.js';
import type { WardenApp } from '../../src/pipeline/app.js';
import { buildStages } from '../../src/pipeline/stages.js';
import type { ApprovalRecord } from '../../src/approvals/record.js';
import { runCli } from '../helpers/cli.js';
import { deleteKeys, eventually, kafkaBrokers, redisUrl, testKafka, uniqueName } from './helpers/services.js';

const id = uniqueName('apr-it');
const dir = mkdtempSync(join(tmpdir(), 'warden-approvals-run-'));
const topics = { input: `${id}.audit`, decisions: `${id}.decisions`, blocks: `${id}.blocks`, dlq: `${id}.dlq`, approvals: `${id}.approvals`, audit: `${id}.audit-trail` };
const configFile = join(dir, 'warden.yaml');
const kafka = testKafka();
let admin: Admin;
let watcher: Consumer;
let app: WardenApp | undefined;
const decisions = new Map<string, Decision>();

const cli = (...args: string[]): ReturnType<typeof runCli> => runCli(...args, '-c', configFile);

beforeAll(async () => {
  const pair = generateKeyPair();
  writeFileSync(join(dir, 'warden.key'), pair.privateKeyPem);
  writeFileSync(join(dir, 'warden.pub'), pair.publicKeyPem);
  writeFileSync(join(dir, 'identities.yaml'), 'identities:\n  - { id: svc-release, owner: team-release, class: deployer, criticality: low }\n');
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'release.yaml'), 'policy: release\nscope: { identities: [svc-release] }\nrules:\n  - { id: prod-deploys, kind: deny, actions: ["ecs:UpdateService"], mode: approve }\n');
  writeFileSync(
    configFile,
    `kafka:\n  brokers: [${kafkaBrokers().map((b) => JSON.stringify(b)).join(', ')}]\n  clientId: ${id}\n  groupId: ${id}-group\n  inputs: [{ topic: ${topics.input}, format: warden }]\n` +
      `  topics: { decisions: ${topics.decisions}, blocks: ${topics.blocks}, dlq: ${topics.dlq}, approvals: ${topics.approvals}, audit: ${topics.audit} }\n` +
      `redis: { url: ${JSON.stringify(redisUrl())}, keyPrefix: ${id} }\n` +
      `pipeline: { http: { host: 127.0.0.1, port: 0 } }\n` +
      `identity: { inventory: ${JSON.stringify(join(dir, 'identities.yaml'))} }\npolicy: { dir: ${JSON.stringify(join(dir, 'policies'))} }\n` +
      `approvals: { policyGrantTtlSeconds: 600 }\n` +
      `signing: { privateKeyFile: ${JSON.stringify(join(dir, 'warden.key'))}, publicKeyFile: ${JSON.stringify(join(dir, 'warden.pub'))} }\nlogging: { level: silent }\n`,
  );
  admin = kafka.admin();
  await admin.connect();
  const config = parseConfig(readFileSync(configFile, 'utf8'), configFile);
  app = await startWardenApp(config, silentLogger, await buildStages(config, silentLogger, { followApprovals: true }));
  watcher = kafka.consumer({ groupId: uniqueName('watch'), maxWaitTimeInMs: 100 });
  await watcher.connect();
  await watcher.subscribe({ topic: topics.decisions, fromBeginning: true });
  await watcher.run({
    eachMessage: async ({ message }) => {
      // Full records, and plain allows as allow-batch entries (compact: no reasons).
      for (const { record } of decisionEntriesOf(message.value, message.headers) ?? []) decisions.set(record.eventId, record as Decision);
    },
  });
});

afterAll(async () => {
  await watcher?.disconnect();
  await app?.stop();
  await admin?.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin?.disconnect();
  const redis = new Redis(redisUrl());
  await deleteKeys(redis, id);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
async function produce(action: string): Promise<string> {
  const eventId = `${id}-e${++n}`;
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: topics.input, messages: [{ key: 'svc-release', value: JSON.stringify({ id: eventId, time: new Date().toISOString(), identity: { id: 'svc-release', tokenId: 'tok-9' }, action, resource: 'arn:aws:ecs:eu-west-1:1:service/prod/web' }) }] });
  await producer.disconnect();
  return eventId;
}

describe('approvals in warden run', () => {
  it('opens a request for an approve-mode refusal and, once approved, no longer blocks that action', async () => {
    const first = await produce('ecs:UpdateService');
    await eventually(() => decisions.has(first), 60_000, 'the first decision');
    const refused = decisions.get(first)!;
    expect(refused.verdict).toBe('block');
    expect(refused.reasons.map((r) => r.code)).toContain('APPROVAL_REQUIRED');

    let request: ApprovalRecord | undefined;
    await eventually(async () => {
      const listed = await cli('approvals', 'list', '--json');
      request = listed.out ? (JSON.parse(listed.out.split('\n')[0]!) as ApprovalRecord) : undefined;
      return request !== undefined;
    }, 30_000, 'the request opened by the pipeline');
    expect(request).toMatchObject({ state: 'pending', identity: 'svc-release', tokenId: 'tok-9', actions: ['ecs:UpdateService'], resources: ['arn:aws:ecs:eu-west-1:1:service/prod/web'], owner: 'team-release', requestedBy: 'warden', origin: { kind: 'policy', decisionId: refused.decisionId, rule: 'release/prod-deploys' }, grantTtlMs: 600_000 });

    const approved = await cli('approvals', 'approve', request!.id, '--as', 'bob', '--json');
    expect(approved.code, approved.err).toBe(0);
    expect(JSON.parse(approved.out)).toMatchObject({ state: 'approved', criticality: 'low', required: 1 });

    // The live follower picks the grant up within a fetch: send the action until a decision names it.
    let granted: Decision | undefined;
    await eventually(async () => {
      const next = await produce('ecs:UpdateService');
      await eventually(() => decisions.has(next), 30_000, 'a decision');
      granted = decisions.get(next);
      return granted?.reasons.some((r) => r.code === 'APPROVED') ?? false;
    }, 60_000, 'a decision honouring the grant');
    expect(granted?.verdict).not.toBe('block');
    expect(granted?.reasons.find((r) => r.code === 'APPROVED')).toMatchObject({ approval: request!.id, weight: 0 });

    // Another action of the same identity is not covered by the grant; the audit topic has the history (open, grant).
    const other = await produce('ecs:DeleteService');
    await eventually(() => decisions.has(other), 30_000, 'the other decision');
    expect((decisions.get(other)?.reasons ?? []).map((r) => r.code)).not.toContain('APPROVED');
    const audit = await admin.fetchTopicOffsets(topics.audit);
    expect(audit.reduce((sum, o) => sum + Number(o.high), 0)).toBe(2);
  });
});
