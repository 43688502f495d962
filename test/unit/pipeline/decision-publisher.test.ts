import { describe, expect, it } from 'vitest';
import type { Message } from 'kafkajs';
import { parseConfig } from '../../../src/config/load.js';
import { createSigner, createVerifier, generateKeyPair } from '../../../src/decisions/signing.js';
import { decisionEntriesOf } from '../../../src/decisions/topic-records.js';
import type { AllowOutput } from '../../../src/decisions/compact.js';
import type { ProcessedBatch } from '../../../src/pipeline/batch-processor.js';
import { DecisionPublisher } from '../../../src/pipeline/decision-publisher.js';
import { sampleDecision } from '../../helpers/decision-fixture.js';

const config = parseConfig('{}', 'test');
const keys = generateKeyPair();

const processed = (n: number): ProcessedBatch => {
  const decisions = Array.from({ length: n }, (_, i) => sampleDecision(i, i % 50 === 7 ? 'alert' : 'allow'));
  return { partition: 'audit:3', decisions, events: [], producedAt: [], blocks: [], approvals: [], deadLetters: [], updates: [], degraded: false };
};

function decisionMessages(allow: AllowOutput, n: number, maxProduceBytes = 1024 * 1024): Message[] {
  const publisher = new DecisionPublisher({ signer: createSigner(keys.privateKeyPem, { batchSize: 64 }), topics: config.kafka.topics, allow, maxProduceBytes });
  return publisher.encode(processed(n)).flatMap((request) => request.filter((t) => t.topic === config.kafka.topics.decisions).flatMap((t) => t.messages));
}

describe('decision publisher: record forms on the decisions topic', () => {
  it('compact: the alerts as records keyed by identity, the plain allows in one allow-batch record keyed by the source partition', () => {
    const messages = decisionMessages('compact', 1000);
    expect(messages).toHaveLength(21);
    expect(messages.slice(0, 20).every((m) => m.headers?.['warden-verdict'] === 'alert')).toBe(true);
    const last = messages.at(-1)!;
    expect(last.key).toBe('audit:3');
    expect(last.headers).toEqual({ 'warden-record': 'allow-batch', 'warden-allows': '980' });
    const entries = messages.flatMap((m) => decisionEntriesOf(m.value as string, m.headers) ?? []);
    expect(entries.map((e) => e.record.eventId).sort()).toEqual(processed(1000).decisions.map((d) => d.eventId).sort());
    expect(createVerifier([keys.publicKeyPem]).verify(JSON.parse(last.value as string) as object)).toBe(true);
  });

  it('splits an allow-batch record that would not fit a produce request', () => {
    const messages = decisionMessages('compact', 1000, 8 * 1024).filter((m) => m.headers?.['warden-record'] === 'allow-batch');
    expect(messages.length).toBeGreaterThan(2);
    for (const m of messages) expect(Buffer.byteLength(m.value as string)).toBeLessThanOrEqual(7 * 1024);
    expect(messages.reduce((n, m) => n + Number(m.headers?.['warden-allows']), 0)).toBe(980);
  });

  it('none keeps one record for the accounting; full publishes every decision on its own', () => {
    const none = decisionMessages('none', 100);
    expect(none.map((m) => m.headers?.['warden-record'] ?? m.headers?.['warden-verdict'])).toEqual(['alert', 'alert', 'allow-batch']);
    expect(JSON.parse(none[2]!.value as string)).toMatchObject({ decided: 100, entries: [], omitted: 98 });
    expect(decisionMessages('full', 100)).toHaveLength(100);
  });
});
