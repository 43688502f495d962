/**
 * The replay benchmark's reader of native events (NDJSON): line by line, each line read by
 * parseNativeEvent (the rules of `--format warden`) without the rest of the normalizer; a line
 * that is not a native event stops the benchmark.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { WardenEvent } from '../../src/events/event.js';
import { WardenError } from '../../src/errors.js';
import { parseNativeEvent } from '../../src/events/native.js';

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
    const parsed = parseNativeEvent(value);
    if (!parsed.ok) throw new WardenError('WARDEN_EVENT_INVALID', `${file}:${n}: ${parsed.reason}: ${parsed.message}`);
    yield parsed.event;
  }
}
