/**
 * `warden sinks` against the real broker: signed decisions on a decisions topic → notifications
 * at a local HTTP receiver (Slack and a signed webhook) and OCSF findings on the findings topic and
 * in the file, each finding valid against the OCSF 1.5 schema slice. An allow produces nothing; a
 * decision whose signature does not verify is ignored and counted; offsets are committed.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Admin } from 'kafkajs';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Decision } from '../../src/decisions/decision.js';
import { createSigner, generateKeyPair } from '../../src/decisions/signing.js';
import { startSinksApp } from '../../src/notify/app.js';
import { createSinkMetrics } from '../../src/notify/metrics.js';
import { verifyWebhook } from '../../src/notify/webhook.js';
import { silentLogger } from '../../src/observability/logger.js';
import { decision, startReceiver } from '../unit/notify/receiver.js';
import type { Receiver } from '../unit/notify/receiver.js';
import type { WardenEvent } from '../../src/events/event.js';
import { startWardenApp } from '../../src/pipeline/app.js';
import type { RecordNormalizer } from '../../src/pipeline/ports.js';
import { createTopics, eventually, kafkaBrokers, testKafka, uniqueName } from './helpers/services.js';
import { wardenSetup } from './helpers/warden-process.js';

const schema = JSON.parse(readFileSync(new URL('../fixtures/ocsf-out/detection-finding-1.5.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validateFinding = ajv.compile(schema);

describe('warden sinks on the real broker', () => {
  const kafka = testKafka();
  let admin: Admin;
  let receiver: Receiver;
  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await admin.disconnect();
    await receiver.close();
  });

  it('notifies and writes findings for signed alerts and blocks, skips allows, ignores bad signatures, commits', async () => {
    const id = uniqueName('sinks');
    const dir = mkdtempSync(join(tmpdir(), 'warden-sinks-'));
    const topics = { decisions: `${id}.decisions`, findings: `${id}.findings`, notifyDlq: `${id}.notify-dlq` };
    const keys = generateKeyPair();
    writeFileSync(join(dir, 'warden.pub'), keys.publicKeyPem);
    const config = parseConfig(
      stringify({
        kafka: { brokers: kafkaBrokers(), clientId: id, groupId: `${id}-group`, topics: { decisions: topics.decisions, findings: topics.findings } },
        signing: { publicKeyFile: join(dir, 'warden.pub'), privateKeyFile: join(dir, 'unused.key') },
        console: { url: 'https://warden.example.com' },
        notify: {
          targets: {
            slack: { type: 'slack', url: `${receiver.url}/slack/${id}` },
            soc: { type: 'webhook', url: `${receiver.url}/soc/${id}`, secret: { file: join(dir, 'hmac') } },
          },
          routes: [{ match: { owner: 'team-platform' }, targets: ['slack'] }, { match: { verdict: 'block' }, targets: ['soc'] }],
          retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 100, timeoutMs: 5000 },
          deadLetter: { file: join(dir, 'notify-dead.ndjson'), topic: topics.notifyDlq },
        },
        ocsf: { enabled: true, topic: true, file: { path: join(dir, 'findings', 'findings.ndjson'), maxBytes: 1024 * 1024, keep: 2 } },
        sinks: { groupId: `${id}-sinks`, startAt: 'earliest', http: { host: '127.0.0.1', port: 0 } },
      }),
      'sinks-test.yaml',
    );
    writeFileSync(join(dir, 'hmac'), 'integration-hmac-secret\n');
    const drop = await createTopics(admin, [topics.decisions], 2);

    const signer = createSigner(keys.privateKeyPem, { batchSize: 3 });
    const stranger = createSigner(generateKeyPair().privateKeyPem);
    const alert = decision({ decisionId: `${id}-alert`, eventId: `${id}-e1`, verdict: 'alert', score: 60, identity: 'svc-a' });
    const block = decision({ decisionId: `${id}-block`, eventId: `${id}-e2`, verdict: 'block', score: 92, identity: 'svc-b', owner: 'team-data' });
    const allow = decision({ decisionId: `${id}-allow`, eventId: `${id}-e3`, verdict: 'allow', score: 2, identity: 'svc-c', reasons: [] });
    const [alertText, blockText, allowText] = signer.signAll([alert, block, allow]);
    // Tampered after signing (score lowered), and signed by a key nobody trusts.
    const tampered = JSON.stringify({ ...(JSON.parse(signer.signAll([decision({ decisionId: `${id}-tampered`, identity: 'svc-t' })])[0]!) as Decision), score: 10 });
    const foreign = JSON.stringify(stranger.sign(decision({ decisionId: `${id}-foreign`, identity: 'svc-f' })));
    const producer = kafka.producer();
    await producer.connect();
    const msg = (identity: string, value: string, verdict: string) => ({ key: identity, value, headers: { 'warden-verdict': verdict } });
    await producer.send({
      topic: topics.decisions,
      messages: [
        msg('svc-a', alertText!, 'alert'),
        msg('svc-b', blockText!, 'block'),
        msg('svc-c', allowText!, 'allow'),
        msg('svc-t', tampered, 'block'),
        msg('svc-f', foreign, 'block'),
        { key: 'svc-x', value: '{not json' },
      ],
    });
    await producer.disconnect();

    const metrics = createSinkMetrics({ defaultMetrics: false });
    const app = await startSinksApp(config, silentLogger, { metrics });
    const findings: Array<Record<string, unknown>> = [];
    const watcher = kafka.consumer({ groupId: `${id}-watch` });
    await watcher.connect();
    await watcher.subscribe({ topics: [topics.findings], fromBeginning: true });
    await watcher.run({ eachMessage: async ({ message }) => void findings.push(JSON.parse(message.value?.toString() ?? 'null') as Record<string, unknown>) });
    const value = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
      const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
      return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((s, v) => s + v.value, 0);
    };
    try {
      const mine = () => receiver.requests.filter((r) => r.path.endsWith(id));
      await eventually(async () => mine().length >= 2 && findings.length >= 2 && (await value('warden_sinks_signature_invalid_total')) >= 3, 60_000, 'notifications, findings and the signature count');

      // Notifications: the alert (team-platform) to Slack, the block (team-data) to the webhook; nothing for the allow.
      expect(mine().map((r) => r.path).sort()).toEqual([`/slack/${id}`, `/soc/${id}`]);
      const slack = mine().find((r) => r.path === `/slack/${id}`)!;
      expect(JSON.stringify(JSON.parse(slack.body))).toContain(`https://warden.example.com/decisions/${id}-alert`);
      const hook = mine().find((r) => r.path === `/soc/${id}`)!;
      expect(verifyWebhook(hook.body, hook.headers, 'integration-hmac-secret')).toEqual({ ok: true, deliveryId: `${id}-block.soc` });

      // Findings on the topic and in the file, the same two, each a valid OCSF 1.5 Detection Finding.
      const fileFindings = readFileSync(join(dir, 'findings', 'findings.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const list of [findings, fileFindings]) {
        expect(list.map((f) => (f.finding_info as { uid: string }).uid).sort()).toEqual([`${id}-alert`, `${id}-block`]);
        for (const f of list) expect(validateFinding(f), JSON.stringify(validateFinding.errors)).toBe(true);
      }
      expect(findings.find((f) => (f.finding_info as { uid: string }).uid === `${id}-block`)).toMatchObject({ class_uid: 2004, disposition_id: 2, action_id: 2 });

      // Bad signatures are ignored and counted; allows are skipped by header.
      expect(await value('warden_sinks_signature_invalid_total', { status: 'bad-signature' })).toBe(1);
      expect(await value('warden_sinks_signature_invalid_total', { status: 'unknown-key' })).toBe(1);
      expect(await value('warden_sinks_signature_invalid_total', { status: 'not-json' })).toBe(1);
      expect(await value('warden_sinks_decisions_total', { verdict: 'allow' })).toBe(1);
      expect(await value('warden_notify_sent_total')).toBe(2);
      expect(await value('warden_ocsf_findings_total', { sink: 'topic' })).toBe(2);
      expect(existsSync(join(dir, 'notify-dead.ndjson'))).toBe(false);

      // Everything read is committed for the sinks group.
      await eventually(async () => {
        const [committed] = await admin.fetchOffsets({ groupId: config.sinks.groupId, topics: [topics.decisions] });
        const ends = await admin.fetchTopicOffsets(topics.decisions);
        return ends.every((e) => committed?.partitions.find((p) => p.partition === e.partition)?.offset === e.high);
      }, 30_000, 'committed offsets at the end of the decisions topic');
    } finally {
      await watcher.disconnect();
      await app.stop();
      await drop();
      await admin.deleteTopics({ topics: [topics.findings, topics.notifyDlq] }).catch(() => undefined);
    }
  });

  it('dead-letters to the topic after N failures and commits', async () => {
    const id = uniqueName('sinks-dl');
    const dir = mkdtempSync(join(tmpdir(), 'warden-sinks-'));
    const topics = { decisions: `${id}.decisions`, notifyDlq: `${id}.notify-dlq` };
    const keys = generateKeyPair();
    writeFileSync(join(dir, 'warden.pub'), keys.publicKeyPem);
    const config = parseConfig(
      stringify({
        kafka: { brokers: kafkaBrokers(), clientId: id, topics: { decisions: topics.decisions } },
        signing: { publicKeyFile: join(dir, 'warden.pub') },
        notify: {
          targets: { soc: { type: 'webhook', url: `${receiver.url}/down/${id}`, secret: 's' } },
          routes: [{ targets: ['soc'] }],
          retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20, timeoutMs: 5000 },
          deadLetter: { file: null, topic: topics.notifyDlq },
        },
        sinks: { groupId: `${id}-sinks`, startAt: 'earliest', http: { host: '127.0.0.1', port: 0 } },
      }),
      'sinks-dl-test.yaml',
    );
    receiver.script(`/down/${id}`, [{ status: 500, body: 'receiver down' }, { status: 500, body: 'receiver down' }]);
    const drop = await createTopics(admin, [topics.decisions]);
    const signer = createSigner(keys.privateKeyPem);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: topics.decisions, messages: [{ key: 'svc-a', value: JSON.stringify(signer.sign(decision({ decisionId: `${id}-d` }))), headers: { 'warden-verdict': 'block' } }] });
    await producer.disconnect();
    const app = await startSinksApp(config, silentLogger, { metrics: createSinkMetrics({ defaultMetrics: false }) });
    const letters: Array<Record<string, unknown>> = [];
    const watcher = kafka.consumer({ groupId: `${id}-watch` });
    try {
      await watcher.connect();
      await watcher.subscribe({ topics: [topics.notifyDlq], fromBeginning: true });
      await watcher.run({ eachMessage: async ({ message }) => void letters.push(JSON.parse(message.value?.toString() ?? 'null') as Record<string, unknown>) });
      await eventually(() => letters.length >= 1, 60_000, 'the dead letter on its topic');
      expect(letters[0]).toMatchObject({ target: 'soc', attempts: 2, status: 500, reason: 'gave up after 2 attempts: HTTP 500: receiver down', decision: { decisionId: `${id}-d` } });
      expect(JSON.stringify(letters[0])).not.toContain(receiver.url);
      await eventually(async () => {
        const [committed] = await admin.fetchOffsets({ groupId: config.sinks.groupId, topics: [topics.decisions] });
        return committed?.partitions[0]?.offset === '1';
      }, 30_000, 'the committed offset');
    } finally {
      await watcher.disconnect();
      await app.stop();
      await drop();
      await admin.deleteTopics({ topics: [topics.notifyDlq] }).catch(() => undefined);
    }
  });

  it('follows what `warden run` publishes: its Merkle-signed decisions and verdict headers', async () => {
    const setup = wardenSetup();
    const base = parseConfig(readFileSync(setup.configFile, 'utf8'), setup.configFile);
    const id = setup.keyPrefix;
    const findingsFile = join(setup.dir, 'findings.ndjson');
    const config = parseConfig(
      stringify({
        kafka: { brokers: kafkaBrokers(), clientId: `${id}-sinks`, topics: { decisions: setup.topics.decisions, findings: `${id}.findings` } },
        signing: { publicKeyFile: base.signing.publicKeyFile },
        notify: { targets: { hook: { type: 'webhook', url: `${receiver.url}/run/${id}`, secret: 'run-secret' } }, routes: [{ match: { verdict: 'block' }, targets: 'hook' }], dedupWindowSeconds: 0 },
        ocsf: { enabled: true, topic: false, file: { path: findingsFile } },
        sinks: { groupId: `${id}-sinks`, startAt: 'earliest', http: { host: '127.0.0.1', port: 0 } },
      }),
      'sinks-run.yaml',
    );
    const drop = await createTopics(admin, Object.values(setup.topics), 2);
    const normalize: RecordNormalizer = (record) => ({ events: [JSON.parse(Buffer.from(record).toString('utf8')) as WardenEvent], rejects: [] });
    const runner = await startWardenApp(base, silentLogger, {
      normalizers: new Map([[setup.topics.input, normalize]]),
      decider: {
        async decide(events) {
          const decisions = events.map((e): Decision => {
            const block = e.action.startsWith('iam:');
            return { decisionId: `d-${e.id}`, eventId: e.id, identity: e.identity.id, owner: 'team-platform', action: e.action, resource: e.resource ?? null, eventTime: e.time, decidedAt: e.time, verdict: block ? 'block' : 'allow', score: block ? 90 : 1, mode: 'enforce', reasons: block ? [{ code: 'POLICY_DENY', detail: 'iam is denied', weight: 90 }] : [], policy: { id: 'no-iam', version: 'v1' }, model: null };
          });
          return { decisions, updates: [] };
        },
      },
      store: { apply: async () => undefined },
      storeHealthy: async () => true,
      close: async () => undefined,
    });
    const sinks = await startSinksApp(config, silentLogger, { metrics: createSinkMetrics({ defaultMetrics: false }) });
    const producer = kafka.producer();
    try {
      await producer.connect();
      const events = Array.from({ length: 300 }, (_, i) => ({ id: `${id}-e${i}`, time: new Date(Date.UTC(2026, 10, 20, 10, 0, i)).toISOString(), identity: { id: `svc-${i % 3}` }, action: i % 100 === 7 ? 'iam:CreateAccessKey' : 's3:GetObject' }));
      await producer.send({ topic: setup.topics.input, messages: events.map((e) => ({ key: e.identity.id, value: JSON.stringify(e) })) });
      const mine = () => receiver.requests.filter((r) => r.path === `/run/${id}`);
      await eventually(() => mine().length >= 3 && existsSync(findingsFile) && readFileSync(findingsFile, 'utf8').trim().split('\n').length >= 3, 60_000, 'three blocks notified and written');
      const ids = mine().map((r) => (JSON.parse(r.body) as { decision: { eventId: string } }).decision.eventId).sort();
      expect(ids).toEqual([`${id}-e107`, `${id}-e207`, `${id}-e7`]);
      for (const r of mine()) expect(verifyWebhook(r.body, r.headers, 'run-secret').ok).toBe(true);
      const fileFindings = readFileSync(findingsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(fileFindings).toHaveLength(3);
      for (const f of fileFindings) expect(validateFinding(f), JSON.stringify(validateFinding.errors)).toBe(true);
      // 297 allows skipped by header, 3 blocks verified (Merkle-batch signatures), none invalid.
      await eventually(async () => (await sinks.metrics.registry.getSingleMetricAsString('warden_sinks_decisions_total')).includes('verdict="allow"} 297'), 30_000, 'allows counted');
      expect(await sinks.metrics.registry.getSingleMetricAsString('warden_sinks_signature_invalid_total')).not.toMatch(/status=/);
    } finally {
      await producer.disconnect();
      await sinks.stop();
      await runner.stop();
      await drop();
    }
  });
});
