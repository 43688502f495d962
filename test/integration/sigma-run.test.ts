/**
 * `warden run` with Sigma rules (sigma.dirs, relative to the config file) as a real process on the
 * real broker and Redis: a matching CloudTrail record gets its SIGMA:<rule id> reason in the
 * published, signed decision; skipped rules are logged with why; a rule added while running applies
 * from the next batch, and an invalid file is refused while the running rules keep matching.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer } from 'kafkajs';
import { Redis } from 'ioredis';
import type { Decision } from '../../src/decisions/decision.js';
import { decisionEntriesOf } from '../../src/decisions/topic-records.js';
import { createVerifier } from '../../src/decisions/signing.js';
import { createTopics, deleteKeys, eventually, redisUrl, testKafka, uniqueName } from './helpers/services.js';
import { startWarden, wardenSetup } from './helpers/warden-process.js';

const rule = (id: string, title: string, eventName: string, level: string): string =>
  `title: ${title}\nid: ${id}\nstatus: test\ntags: [attack.defense-evasion, attack.t1562.008]\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventName: ${eventName}\n  condition: selection\nlevel: ${level}\n`;

let seq = 0;
function cloudtrail(eventName: string): { id: string; value: string } {
  const id = uniqueName(`sigma-it-${seq++}`);
  const record = {
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/svc-sigma-it', accountId: '111122223333', accessKeyId: 'AKIASIGMAIT', userName: 'svc-sigma-it' },
    eventTime: '2026-11-29T10:00:00Z',
    eventSource: eventName === 'StopLogging' ? 'cloudtrail.amazonaws.com' : 's3.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '10.40.0.5',
    userAgent: 'aws-cli/2.15.0',
    eventID: id,
    eventType: 'AwsApiCall',
  };
  return { id, value: JSON.stringify(record) };
}

describe('warden run with Sigma rules', () => {
  const kafka = testKafka();
  let admin: Admin;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    for (const c of cleanups) await c().catch(() => undefined);
    await admin.disconnect();
  });

  it('puts SIGMA:<rule id> in published decisions, logs skipped rules, and hot-reloads the folder', async () => {
    // An inventoried identity and no knowledge pack: the Sigma rule is the only evidence.
    const inventory = 'identities:\n  - { id: "arn:aws:iam::111122223333:user/svc-sigma-it", owner: team-it, verified: true }\n';
    const setup = wardenSetup({ sigma: { dirs: ['rules'] } }, { 'identities.yaml': inventory });
    mkdirSync(join(setup.dir, 'knowledge'));
    mkdirSync(join(setup.dir, 'policies'));
    appendFileSync(setup.configFile, `identity:\n  inventory: ${join(setup.dir, 'identities.yaml')}\nknowledge:\n  dir: ${join(setup.dir, 'knowledge')}\npolicy:\n  dir: ${join(setup.dir, 'policies')}\n`);
    const rules = join(setup.dir, 'rules');
    mkdirSync(join(rules, 'aws'), { recursive: true });
    writeFileSync(join(rules, 'aws', 'stop.yml'), rule('it-stop-logging', 'Trail logging stopped', 'StopLogging', 'high'));
    writeFileSync(join(rules, 'azure.yml'), 'title: Azure rule\nid: it-azure\nlevel: low\nlogsource: { product: azure, service: signinlogs }\ndetection:\n  sel: { ResultType: 50126 }\n  condition: sel\n');
    cleanups.push(await createTopics(admin, [setup.topics.input, setup.topics.decisions, setup.topics.dlq, setup.topics.blocks]));
    const redis = new Redis(redisUrl());
    cleanups.push(async () => {
      await deleteKeys(redis, setup.keyPrefix);
      redis.disconnect();
    });

    const decisions = new Map<string, Decision>();
    const consumer: Consumer = kafka.consumer({ groupId: uniqueName('it-sigma-watch'), maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topics: [setup.topics.decisions], fromBeginning: true });
    // Full records, and plain allows as allow-batch entries (compact: no reasons).
    await consumer.run({ eachMessage: async ({ message }) => void (decisionEntriesOf(message.value, message.headers) ?? []).forEach((e) => decisions.set(e.record.eventId, e.record as Decision)) });
    const producer = kafka.producer();
    await producer.connect();
    const send = async (...records: { id: string; value: string }[]): Promise<void> => {
      await producer.send({ topic: setup.topics.input, messages: records.map((r) => ({ key: 'svc-sigma-it', value: r.value })) });
    };

    const w = startWarden(setup);
    try {
      await w.joined;
      expect(w.logs.some((l) => l.includes('"msg":"sigma rule skipped"') && l.includes('"rule":"it-azure"') && l.includes('logsource {product: azure'))).toBe(true);
      const stop = cloudtrail('StopLogging');
      const read = cloudtrail('GetObject');
      await send(stop, read);
      await eventually(() => decisions.has(stop.id) && decisions.has(read.id), 60_000, 'decisions of the first records');
      const stopped = decisions.get(stop.id)!;
      expect(stopped.verdict, JSON.stringify(stopped.reasons)).toBe('alert');
      expect(stopped.reasons.find((r) => r.code === 'SIGMA:it-stop-logging')).toMatchObject({ weight: 55, technique: 'T1562.008', tactic: 'defense-evasion' });
      expect(createVerifier([setup.publicKeyPem]).verify(stopped as Decision & { sig: string })).toBe(true);
      expect((decisions.get(read.id)!.reasons ?? []).some((r) => r.code.startsWith('SIGMA:'))).toBe(false);

      // A new rule in a sub-folder applies once the reloader has picked it up.
      writeFileSync(join(rules, 'aws', 'read.yml'), rule('it-get-object', 'Object read', 'GetObject', 'informational'));
      await eventually(() => w.logs.some((l) => l.includes('"msg":"sigma rules reloaded"')), 30_000, 'the sigma reload log line');
      const read2 = cloudtrail('GetObject');
      await send(read2);
      await eventually(() => decisions.has(read2.id), 60_000, 'the decision after the reload');
      expect(decisions.get(read2.id)!.reasons.find((r) => r.code === 'SIGMA:it-get-object')).toMatchObject({ weight: 0 });

      // An invalid file is refused: the running rules keep matching.
      writeFileSync(join(rules, 'aws', 'broken.yml'), rule('it-broken', 'Broken', 'GetObject', 'severe'));
      await eventually(() => w.logs.some((l) => l.includes('sigma rules: change refused')), 30_000, 'the refused change');
      const stop2 = cloudtrail('StopLogging');
      await send(stop2);
      await eventually(() => decisions.has(stop2.id), 60_000, 'the decision after the refused change');
      expect(decisions.get(stop2.id)!.reasons.some((r) => r.code === 'SIGMA:it-stop-logging')).toBe(true);
    } finally {
      if (w.child.exitCode === null) w.child.kill('SIGTERM');
      await w.exited;
      await producer.disconnect();
      await consumer.disconnect();
    }
    expect(await w.exited).toBe(0);
  }, 180_000);
});
