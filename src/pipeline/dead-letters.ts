/**
 * Dead letters: records Warden could not turn into decisions. Each keeps the reason, where it came
 * from and the original bytes, so nothing is lost and it can be fixed and replayed.
 */
import type { Message } from 'kafkajs';
import type { WardenEvent } from '../events/event.js';
import type { DeadLetter, KafkaOrigin } from './ports.js';

export function deadLetterMessage(letter: DeadLetter): Message {
  const { origin } = letter;
  const key = origin.topic !== undefined ? `${origin.topic}/${origin.partition ?? 0}/${origin.offset ?? ''}` : `${origin.file ?? '-'}:${origin.line ?? 0}`;
  return {
    key,
    value: JSON.stringify(letter),
    headers: { 'warden-reject-reason': letter.reason },
  };
}

/** A dead letter for an event that normalized but made the decider throw. */
export function decideFailure(event: WardenEvent, err: unknown, origin: KafkaOrigin): DeadLetter {
  const message = err instanceof Error ? err.message : String(err);
  return {
    reason: 'DECIDE_FAILED',
    message: `deciding event ${event.id} failed: ${message}`,
    format: event.sourceFormat ?? null,
    origin,
    raw: JSON.stringify(event),
  };
}
