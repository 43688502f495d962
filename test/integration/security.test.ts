/**
 * Warden against secured services: a private KRaft broker that only speaks SASL over TLS (PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512) and a private Redis that wants AUTH over TLS. Secrets come from
 * the environment and from files, and must not show up in the logs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import type { WardenConfig } from '../../src/config/schema.js';
import type { AllowBatchRecord } from '../../src/decisions/allow-batch.js';
import { decisionEntriesOf, decisionRecordOf } from '../../src/decisions/topic-records.js';
import type { DecisionEntry } from '../../src/decisions/topic-records.js';
import { createVerifier } from '../../src/decisions/signing.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createKafka, kafkaAuthError } from '../../src/pipeline/kafka-client.js';
import { eventually } from './helpers/services.js';
import { makeCertificates, startSecureKafka } from './helpers/own-kafka.js';
import type { SecureKafka } from './helpers/own-kafka.js';
import { startOwnRedis } from './helpers/own-redis.js';
import type { OwnRedis } from './helpers/own-redis.js';
import { exitWithin, startWarden, wardenSetup } from './helpers/warden-process.js';
import type { RunningWarden } from './helpers/warden-process.js';

const REDIS_PASSWORD = 'redis-secret-51f0';

function kafkaConfig(broker: SecureKafka, sasl: Record<string, unknown> | null, tls: unknown = { caFile: broker.caFile }): WardenConfig {
  return parseConfig(stringify({ kafka: { brokers: [broker.brokers], tls, ...(sasl ? { sasl } : {}) } }), 'test.yaml');
}

/** Lists topics as `config` (one retry: a refused handshake fails the same way every time). */
async function listTopics(config: WardenConfig): Promise<string[]> {
  const admin = createKafka(config, silentLogger, '', { retries: 1 }).admin();
  try {
    await admin.connect();
    return await admin.listTopics();
  } catch (err) {
    throw kafkaAuthError(err, config) ?? err;
  } finally {
    await admin.disconnect();
  }
}

async function stopWarden(w: RunningWarden): Promise<number | null> {
  if (w.child.exitCode === null) w.child.kill('SIGTERM');
  return w.exited;
}

describe('secured Kafka (SASL over TLS) and Redis (AUTH over TLS)', () => {
  let broker: SecureKafka;
  let redis: OwnRedis;
  let redisCa: string;
  beforeAll(async () => {
    const certs = makeCertificates(mkdtempSync(join(tmpdir(), 'warden-redis-tls-')));
    redisCa = certs.caFile;
    [broker, redis] = await Promise.all([startSecureKafka(), startOwnRedis({ password: REDIS_PASSWORD, tls: certs })]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([broker?.stop(), redis?.stop()]);
  });

  it('authenticates with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, and refuses a wrong password or an untrusted certificate', async () => {
    const { plain, scram } = broker.users;
    await expect(listTopics(kafkaConfig(broker, { mechanism: 'plain', ...plain }))).resolves.toBeInstanceOf(Array);
    await expect(listTopics(kafkaConfig(broker, { mechanism: 'scram-sha-256', ...scram }))).resolves.toBeInstanceOf(Array);
    await expect(listTopics(kafkaConfig(broker, { mechanism: 'scram-sha-512', ...scram }))).resolves.toBeInstanceOf(Array);
    await expect(listTopics(kafkaConfig(broker, { mechanism: 'scram-sha-512', username: scram.username, password: 'wrong' }))).rejects.toMatchObject({
      code: 'WARDEN_KAFKA_AUTH',
      message: expect.stringMatching(/refused the SASL credentials of user "warden-scram" \(scram-sha-512\).*Check kafka\.sasl/),
    });
    // The broker's certificate is signed by a CA the client was not given.
    await expect(listTopics(kafkaConfig(broker, { mechanism: 'scram-sha-512', ...scram }, true))).rejects.toMatchObject({
      code: 'WARDEN_KAFKA_AUTH',
      message: expect.stringMatching(/TLS handshake with Kafka at .* failed: .*\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)\. Check kafka\.tls/),
    });
  }, 120_000);

  it('warden run decides over SCRAM-SHA-512 + TLS and Redis AUTH + TLS, with secrets from the environment and a file that never reach its logs', async () => {
    const secrets = mkdtempSync(join(tmpdir(), 'warden-secrets-'));
    const redisPasswordFile = join(secrets, 'redis-password');
    writeFileSync(redisPasswordFile, `${REDIS_PASSWORD}\n`, { mode: 0o600 });
    const { scram } = broker.users;
    const setup = wardenSetup({
      kafka: { brokers: [broker.brokers], tls: { caFile: broker.caFile }, sasl: { mechanism: 'scram-sha-512', username: scram.username, password: { env: 'WARDEN_IT_SASL_PASSWORD' } } },
      redis: { url: redis.url, password: { file: redisPasswordFile }, tls: { caFile: redisCa } },
      logging: { level: 'debug' },
    });
    const clientConfig = kafkaConfig(broker, { mechanism: 'scram-sha-512', ...scram });
    const kafka = createKafka(clientConfig, silentLogger);
    const w = startWarden(setup, [], { WARDEN_IT_SASL_PASSWORD: scram.password });
    const decisions: DecisionEntry[] = [];
    const allowBatches: AllowBatchRecord[] = [];
    const consumer = kafka.consumer({ groupId: `${setup.groupId}-watch`, maxWaitTimeInMs: 100 });
    const producer = kafka.producer();
    try {
      await w.joined;
      await Promise.all([consumer.connect(), producer.connect()]);
      await consumer.subscribe({ topic: setup.topics.decisions, fromBeginning: true });
      // Plain allows go into signed allow-batch records (decisions.allow: compact).
      await consumer.run({
        eachMessage: async ({ message }) => {
          const record = decisionRecordOf(JSON.parse(message.value?.toString() ?? 'null'));
          if (record?.form === 'allow-batch') allowBatches.push(record.record);
          decisions.push(...(decisionEntriesOf(message.value, message.headers) ?? []));
        },
      });
      const events = Array.from({ length: 50 }, (_, i) => ({ id: `sec-${i}`, time: new Date(Date.UTC(2026, 10, 25, 9, 0, i)).toISOString(), identity: { id: `svc-sec-${i % 3}` }, action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/key' }));
      await producer.send({ topic: setup.topics.input, messages: events.map((e) => ({ key: e.identity.id, value: JSON.stringify(e) })) });
      await eventually(() => decisions.length >= events.length, 90_000, 'decisions over SASL_SSL');
      expect(new Set(decisions.map((d) => d.record.eventId))).toEqual(new Set(events.map((e) => e.id)));
      const verifier = createVerifier([setup.publicKeyPem]);
      expect(allowBatches.length > 0 || decisions.every((d) => d.form === 'full')).toBe(true);
      expect(allowBatches.every((m) => verifier.verify(m))).toBe(true);
      expect(decisions.every((d) => verifier.verify(d.record))).toBe(true);
      // Decided with the baseline store, not degraded: Redis AUTH over TLS worked.
      expect(decisions.some((d) => d.form === 'full' && d.record.degraded)).toBe(false);
    } finally {
      await Promise.all([consumer.disconnect(), producer.disconnect()]);
      expect(await stopWarden(w)).toBe(0);
    }
    const logs = w.logs.join('\n');
    expect(logs).toContain('joined consumer group');
    expect(logs).not.toContain(scram.password);
    expect(logs).not.toContain(REDIS_PASSWORD);
  }, 180_000);

  it('a wrong SASL password stops warden run at once with WARDEN_KAFKA_AUTH and exit status 1', async () => {
    const setup = wardenSetup({
      kafka: { brokers: [broker.brokers], tls: { caFile: broker.caFile }, sasl: { mechanism: 'scram-sha-256', username: broker.users.scram.username, password: 'not-the-password' } },
      redis: { url: redis.url, password: REDIS_PASSWORD, tls: { caFile: redisCa } },
    });
    const w = startWarden(setup);
    const code = await exitWithin(w, 60_000);
    expect(code).toBe(1);
    expect(w.logs.join('\n')).toMatch(/WARDEN_KAFKA_AUTH\s+Kafka at 127\.0\.0\.1:\d+ refused the SASL credentials of user "warden-scram" \(scram-sha-256\)/);
    expect(w.logs.join('\n')).not.toContain('not-the-password');
  }, 120_000);

  it('a broker certificate the configured CA does not vouch for stops warden run at once too', async () => {
    const setup = wardenSetup({
      kafka: { brokers: [broker.brokers], tls: true, sasl: { mechanism: 'scram-sha-256', ...broker.users.scram } },
      redis: { url: redis.url, password: REDIS_PASSWORD, tls: { caFile: redisCa } },
    });
    const started = Date.now();
    const w = startWarden(setup);
    const code = await exitWithin(w, 30_000);
    expect(code).toBe(1);
    // kafkajs alone would retry the handshake for more than a minute.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(w.logs.join('\n')).toMatch(/WARDEN_KAFKA_AUTH\s+TLS handshake with Kafka at 127\.0\.0\.1:\d+ failed: .*Check kafka\.tls/);
  }, 60_000);
});
