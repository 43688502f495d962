/**
 * Dead letters: records Warden could not turn into decisions. Each keeps the reason, where it came
 * from and the original bytes, so nothing is lost and it can be fixed and replayed.
 */
import type { Message } from 'kafkajs';
import type { WardenEvent } from '../events/event.js';
import type { RecordOrigin } from '../events/types.js';
import type { DeadLetter } from './ports.js';

/**
 * Characters of `raw` a dead-letter record keeps. A record can be up to `events.maxRecordBytes`
 * (1 MiB by default) and the broker refuses larger messages, so longer originals are cut; the
 * dead letter then says so (`rawTruncated`, `rawLength`) and its `origin` points at the full
 * record in the input topic.
 */
export const DEAD_LETTER_RAW_CHARS = 256 * 1024;

export function deadLetterMessage(letter: DeadLetter): Message {
  const { origin } = letter;
  const key = origin.topic !== undefined ? `${origin.topic}/${origin.partition ?? 0}/${origin.offset ?? ''}` : `${origin.file ?? '-'}:${origin.line ?? 0}`;
  const value = letter.raw.length > DEAD_LETTER_RAW_CHARS ? { ...letter, raw: letter.raw.slice(0, DEAD_LETTER_RAW_CHARS), rawTruncated: true, rawLength: letter.raw.length } : letter;
  return {
    key,
    value: JSON.stringify(value),
    headers: { 'warden-reject-reason': letter.reason },
  };
}

/** A dead letter for an event that normalized but made the decider throw. */
export function decideFailure(event: WardenEvent, err: unknown, origin: RecordOrigin): DeadLetter {
  const message = err instanceof Error ? err.message : String(err);
  return {
    reason: 'DECIDE_FAILED',
    message: `deciding event ${event.id} failed: ${message}`,
    format: event.sourceFormat ?? null,
    origin,
    raw: JSON.stringify(event),
  };
}
