/**
 * Events from a file (or stdin) in any supported format: the shared streaming reader plus the
 * normalizers. Rejects are handed to `onReject` (never dropped); replay, train and the identity
 * report read their input through this.
 */
import type { WardenConfig } from '../config/schema.js';
import { createNormalizer } from '../events/index.js';
import type { Reject } from '../events/index.js';
import type { WardenEvent } from '../events/event.js';
import { readRecords } from './file-source.js';

export async function* readEvents(path: string, format: string, events: WardenConfig['events'] | undefined, onReject: (reject: Reject) => void): AsyncGenerator<WardenEvent> {
  const normalize = createNormalizer({ format, ...(events ? { events } : {}) });
  for await (const { record, origin } of readRecords(path)) {
    const result = normalize(record, origin);
    for (const reject of result.rejects) onReject(reject);
    yield* result.events;
  }
}
