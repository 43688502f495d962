/**
 * Notifications that failed every attempt, kept with the reason: appended to an NDJSON file and/or
 * produced to a topic (`notify.deadLetter`). The record holds the decision (signed, as read) and
 * where it was to go by target name, never the target's URL or secret, so it can be replayed.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Producer } from 'kafkajs';
import type { Decision } from '../decisions/decision.js';
import { WardenError } from '../errors.js';
import { splitRequests } from '../pipeline/produce-requests.js';

export interface NotifyDeadLetter {
  kind: 'warden.notify.dead-letter';
  target: string;
  targetType: 'slack' | 'webhook';
  deliveryId: string;
  reason: string;
  status: number | null;
  attempts: number;
  failedAt: string;
  decision: Decision;
}

export interface DeadLetterSink {
  write(letters: readonly NotifyDeadLetter[]): Promise<void>;
}

export function createDeadLetterSink(options: { file: string | null; topic: string | null; producer?: Producer; maxProduceBytes?: number }): DeadLetterSink | null {
  const { file, topic, producer, maxProduceBytes = 512 * 1024 } = options;
  if (file === null && topic === null) return null;
  return {
    async write(letters) {
      if (letters.length === 0) return;
      if (file !== null) {
        try {
          await mkdir(dirname(file), { recursive: true });
          await appendFile(file, letters.map((l) => `${JSON.stringify(l)}\n`).join(''));
        } catch (cause) {
          throw new WardenError('WARDEN_OUTPUT_FAILED', `cannot append notification dead letters to ${file}: ${(cause as Error).message}`, { cause, retriable: true });
        }
      }
      if (topic !== null && producer) {
        const messages = letters.map((l) => ({ key: l.decision.identity, value: JSON.stringify(l), headers: { 'warden-notify-target': l.target } }));
        for (const request of splitRequests([{ topic, messages }], maxProduceBytes)) await producer.sendBatch({ topicMessages: request, acks: -1 });
      }
    },
  };
}
