/**
 * The replay benchmark's own reader of native events (NDJSON), kept as it was when the figures
 * in BENCHMARKS.md were measured: strict, line by line, no normalizer.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { WardenEvent } from '../../src/events/event.js';
import { WardenError } from '../../src/errors.js';

export async function* readEventsFile(file: string): AsyncGenerator<WardenEvent> {
  if (!existsSync(file)) throw new WardenError('WARDEN_INPUT_NOT_FOUND', `input file not found: ${file}`);
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new WardenError('WARDEN_EVENT_INVALID', `${file}:${n}: not valid JSON`, { cause: err });
    }
    const e = value as Partial<WardenEvent> | null;
    if (!e || typeof e.id !== 'string' || typeof e.time !== 'string' || typeof e.action !== 'string' || typeof e.identity?.id !== 'string' || Number.isNaN(Date.parse(e.time))) {
      throw new WardenError('WARDEN_EVENT_INVALID', `${file}:${n}: a native event needs id, time (RFC 3339), identity.id and action`);
    }
    yield e as WardenEvent;
  }
}
