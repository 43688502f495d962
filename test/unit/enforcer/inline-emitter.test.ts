/** The inline gateway's audit event producer: batched off the request path, nothing lost while the broker refuses. */
import type { Producer, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaEventEmitter } from '../../../src/enforcer/inline-emitter.js';
import type { WardenEvent } from '../../../src/events/event.js';

const event = (id: string, identity = 'svc-a'): WardenEvent => ({ id, time: '2026-11-20T10:00:00.000Z', identity: { id: identity }, action: 'x:Y' });

/** A producer that records what it was asked to send and refuses while `down`. */
function producer(): { producer: Producer; sent: ProducerRecord[]; state: { down: boolean; disconnected: boolean } } {
  const sent: ProducerRecord[] = [];
  const state = { down: false, disconnected: false };
  const p = {
    send: async (record: ProducerRecord) => {
      if (state.down) throw new Error('broker unreachable');
      sent.push(record);
      return [];
    },
    disconnect: async () => {
      state.disconnected = true;
    },
  };
  return { producer: p as unknown as Producer, sent, state };
}

describe('KafkaEventEmitter', () => {
  it('sends the events of one linger window in one request, keyed by identity, as the JSON given', async () => {
    const { producer: p, sent } = producer();
    const emitter = new KafkaEventEmitter({ producer: p, topic: 'audit', lingerMs: 1000 });
    emitter.emit(event('e1'), '{"exact":"bytes"}');
    emitter.emit(event('e2', 'svc-b'));
    expect(sent).toEqual([]);
    await emitter.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topic: 'audit', acks: -1, messages: [{ key: 'svc-a', value: '{"exact":"bytes"}' }, { key: 'svc-b', value: JSON.stringify(event('e2', 'svc-b')) }] });
    expect(emitter.stats()).toMatchObject({ emitted: 2, buffered: 0 });
  });

  it('keeps a refused batch and sends it, in order, once the broker takes it again; drops the oldest past maxBuffered', async () => {
    const { producer: p, sent, state } = producer();
    const emitter = new KafkaEventEmitter({ producer: p, topic: 'audit', lingerMs: 1000, maxBuffered: 3 });
    state.down = true;
    emitter.emit(event('e1'));
    emitter.emit(event('e2'));
    await emitter.flush();
    expect(emitter.stats()).toMatchObject({ emitted: 0, failures: 1, buffered: 2 });
    emitter.emit(event('e3'));
    emitter.emit(event('e4'));
    expect(emitter.stats()).toMatchObject({ dropped: 1, buffered: 3 });
    state.down = false;
    await emitter.close();
    expect(sent.flatMap((r) => r.messages.map((m) => (JSON.parse(String(m.value)) as WardenEvent).id))).toEqual(['e2', 'e3', 'e4']);
    expect(state.disconnected).toBe(true);
  });
});
