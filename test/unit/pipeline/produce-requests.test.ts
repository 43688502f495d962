import { describe, expect, it } from 'vitest';
import type { Message, TopicMessages } from 'kafkajs';
import { messageBytes, splitRequests } from '../../../src/pipeline/produce-requests.js';

const msg = (key: string, size: number): Message => ({ key, value: 'x'.repeat(size), headers: { 'warden-verdict': 'allow' } });

describe('produce requests', () => {
  it('counts key, value and header bytes (UTF-8, not characters)', () => {
    expect(messageBytes({ key: 'k', value: 'é' })).toBe(24 + 1 + 2);
    expect(messageBytes({ key: null, value: Buffer.alloc(10), headers: { h: 'v' } })).toBe(24 + 10 + 10 + 1 + 1);
  });

  it('keeps everything in one request when it fits', () => {
    const batch: TopicMessages[] = [{ topic: 'd', messages: [msg('a', 100), msg('b', 100)] }, { topic: 'q', messages: [msg('c', 10)] }];
    expect(splitRequests(batch, 10_000)).toEqual([batch]);
  });

  it('splits a large batch into bounded requests and keeps the order of every message', () => {
    const decisions = Array.from({ length: 1000 }, (_, i) => msg(`id-${i % 7}`, 1000 + (i % 13)));
    const dlq = [msg('dlq-1', 300)];
    const requests = splitRequests([{ topic: 'decisions', messages: decisions }, { topic: 'dlq', messages: dlq }], 64 * 1024);
    expect(requests.length).toBeGreaterThan(15);
    for (const r of requests) expect(r.flatMap((t) => t.messages).reduce((s, m) => s + messageBytes(m), 0)).toBeLessThanOrEqual(64 * 1024);
    expect(requests.flatMap((r) => r.filter((t) => t.topic === 'decisions').flatMap((t) => t.messages))).toEqual(decisions);
    expect(requests.at(-1)?.find((t) => t.topic === 'dlq')?.messages).toEqual(dlq);
  });

  it('sends a message larger than the bound on its own', () => {
    const requests = splitRequests([{ topic: 't', messages: [msg('a', 10), msg('b', 5000), msg('c', 10)] }], 1000);
    expect(requests.map((r) => r[0]?.messages.map((m) => m.key))).toEqual([['a'], ['b'], ['c']]);
  });
});
